"""Fixtures of the live-scan reliability tests: a real moto server per test module, and an
environment with dummy credentials, no user profile and small retry/timeout knobs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.healthimaging_standin import StandIn
from tests.reliability.faultproxy import moto_server

REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Dummy credentials, no user profile, standard retries with 2 retries and short timeouts, and
    HealthImaging at an empty stand-in (moto has none; the stand-in is outside any fault proxy)."""
    empty = tmp_path_factory.mktemp("aws-config") / "empty"
    empty.write_text("")
    values = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "PACSCAN_AWS_RETRY_MODE": "standard", "PACSCAN_AWS_MAX_ATTEMPTS": "2", "PACSCAN_AWS_CONNECT_TIMEOUT": "2",
        "PACSCAN_AWS_READ_TIMEOUT": "10",
    }
    with StandIn().serve() as imaging, pytest.MonkeyPatch.context() as patch:
        values.update(imaging.environ(cloudtrail=False))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
            patch.delenv(name, raising=False)
        for name, value in values.items():
            patch.setenv(name, value)
        yield values
