"""`pacscan cloud azure` from the command line against the ARM HTTPS fixture server, as a CI job would
scan an emulator: the endpoint from ``PACSCAN_AZURE_ENDPOINT_URL``, its certificate trusted through
``REQUESTS_CA_BUNDLE``, the token from the Azure CLI credential (``AZURE_TOKEN_CREDENTIALS``; a stand-in
``az`` on the PATH answers ``az account get-access-token`` as a logged-in CLI does)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from scanner.cli import main
from tests.azure import world
from tests.azure.conftest import ArmServer

FAKE_AZ = """#!/bin/sh
# a logged-in Azure CLI, as far as `az account get-access-token` goes
echo '{"accessToken": "fixture-token", "expires_on": %d, "tokenType": "Bearer"}'
"""


def logged_in_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(FAKE_AZ % (int(time.time()) + 3600))
    (bin_dir / "az").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")


def test_cli_scans_another_arm_endpoint(arm: ArmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    world.build(arm)
    logged_in_cli(tmp_path, monkeypatch)
    monkeypatch.setenv("PACSCAN_AZURE_ENDPOINT_URL", arm.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", arm.ca_file)
    out = tmp_path / "evidence.json"
    code = main(["cloud", "azure", "--subscription", world.SUB, "--format", "json", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 1, err  # the world's failing resources; everything was read
    doc = json.loads(out.read_text())
    azure = [f for f in doc["findings"] if f["source"] == "azure"]
    assert any(f["resource"]["address"].endswith("/fail-account") and f["status"] == "fail" for f in azure)
    assert not [f for f in azure if f["status"] == "error"] and not arm.missing
    assert ("GET", f"/subscriptions/{world.SUB}/providers/Microsoft.Storage/storageAccounts") in arm.requests


def test_an_arm_endpoint_that_is_down_fails_fast_with_one_reason_and_exit_3(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """azure-core would retry every request six times with backoff; the breaker stops the rest at once."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    logged_in_cli(tmp_path, monkeypatch)
    monkeypatch.setenv("PACSCAN_AZURE_ENDPOINT_URL", f"https://127.0.0.1:{port}")
    out = tmp_path / "evidence.json"
    started = time.monotonic()
    code = main(["cloud", "azure", "--subscription", world.SUB, "--format", "json", "--output", str(out)])
    assert time.monotonic() - started < 30
    assert code == 3, capsys.readouterr().err
    findings = [f for f in json.loads(out.read_text())["findings"] if f["source"] == "azure"]
    assert findings and {f["status"] for f in findings} == {"error"}
    stopped = [f for f in findings if f"endpoint 127.0.0.1:{port} stopped answering" in f["message"]]
    assert stopped, "the listings after the first failures were not sent"
    assert all(f in stopped or "ServiceRequestError" in f["message"] for f in findings)
