"""A real moto server on loopback (port 0) for the AWS collector tests.

Every test gets a reset server and an environment pointing boto3 at it through
``AWS_ENDPOINT_URL`` with dummy credentials. Other accounts are reached with
``sts.assume_role`` (never ``MOTO_ACCOUNT_ID``).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

MOTO_ACCOUNT = "123456789012"  # moto's default account for the plain credentials


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def reset(moto_url: str) -> None:
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A clean moto account reachable through the standard credential chain."""
    reset(moto_url)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    empty = tmp_path_factory.mktemp("aws-config") / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))  # no user profile leaks into the tests
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    yield moto_url


def client(service: str, region: str = "us-east-1") -> Any:
    import boto3

    return boto3.client(service, region_name=region)
