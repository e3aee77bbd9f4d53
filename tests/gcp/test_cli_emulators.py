"""`pacscan cloud gcp` from the command line against emulators, as a CI job would run it: Cloud Storage
through ``STORAGE_EMULATOR_HOST`` (gcp-storage-emulator; google-cloud-storage's own convention) and the
other APIs through ``PACSCAN_GCP_ENDPOINT_URL`` (the HTTPS fixture server), with no application default
credentials anywhere: with an emulator host set the scan uses anonymous credentials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main
from tests.gcp.conftest import PROJECT, RestFixture, storage_client


def test_cli_scans_the_storage_emulator_without_credentials(gcp: RestFixture, emulator_url: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    storage_client(emulator_url).create_bucket("pacs-emulated")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", emulator_url.removeprefix("http://"))  # bare host:port is allowed
    monkeypatch.setenv("PACSCAN_GCP_ENDPOINT_URL", gcp.url)
    out = tmp_path / "evidence.json"
    code = main(["cloud", "gcp", "--project", PROJECT, "--format", "json", "--output", str(out), "--no-color"])
    err = capsys.readouterr().err
    assert code == 1, err  # the bucket's defaults fail; everything was read
    doc = json.loads(out.read_text())
    assert doc["scan"]["identities"] == {PROJECT: f"anonymous (STORAGE_EMULATOR_HOST={emulator_url})"}
    gcp_findings = [f for f in doc["findings"] if f["source"] == "gcp"]
    assert any(f["resource"]["address"].endswith("/pacs-emulated") for f in gcp_findings)
    assert not [f for f in gcp_findings if f["status"] == "error"], "every API answered"
    assert ("GET", f"/compute/v1/projects/{PROJECT}/global/firewalls") in gcp.requests, "the other APIs too"


def test_without_an_emulator_host_the_cli_still_needs_credentials(gcp: RestFixture, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("PACSCAN_GCP_ENDPOINT_URL", gcp.url)  # an endpoint override alone is not an emulator
    assert main(["cloud", "gcp", "--project", PROJECT]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no application default credentials" in err


def test_an_endpoint_that_is_down_fails_fast_with_one_reason_and_exit_3(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Every call would retry connection errors for its 120 s deadline; the breaker of each API opens
    after its first failures and the scan ends in seconds, every read an error, exit 3."""
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"127.0.0.1:{port}")
    monkeypatch.setenv("PACSCAN_GCP_ENDPOINT_URL", f"https://127.0.0.1:{port}")
    out = tmp_path / "evidence.json"
    started = time.monotonic()
    code = main(["cloud", "gcp", "--project", PROJECT, "--format", "json", "--output", str(out), "--allow-incomplete"])
    assert time.monotonic() - started < 30
    assert code == 3 and "nothing could be read" in capsys.readouterr().err
    findings = [f for f in json.loads(out.read_text())["findings"] if f["source"] == "gcp"]
    assert findings and {f["status"] for f in findings} == {"error"}
    assert any("compute endpoint for project pacs-prod stopped answering" in f["message"] for f in findings)
