"""pynetdicom SCPs on loopback and small servers that are not DICOM, for the probe tests."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dicom.world import Phi, server_context, start_scp
from tests.gcp.conftest import self_signed

pytest.importorskip("pynetdicom")

PATIENTS = (Phi(), Phi(), Phi())


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("dicom-tls"))


def _serve(**kwargs: Any) -> Iterator[int]:
    server, port = start_scp(**kwargs)
    yield port
    server.shutdown()


@pytest.fixture(scope="session")
def open_scp() -> Iterator[int]:
    """Plain DICOM, any AE title, answers C-FIND with three patients."""
    yield from _serve(patients=PATIENTS)


@pytest.fixture(scope="session")
def tls_scp(certificate: tuple[Path, Path]) -> Iterator[int]:
    """DICOM over TLS only (1.2 and later), known AE titles only."""
    yield from _serve(patients=PATIENTS, tls=server_context(*certificate), allowed_calling=["MODALITY1"])


@pytest.fixture(scope="session")
def legacy_tls_scp(certificate: tuple[Path, Path]) -> Iterator[int]:
    """DICOM over TLS that still accepts TLS 1.0."""
    yield from _serve(tls=server_context(*certificate, minimum=ssl.TLSVersion.TLSv1))


@pytest.fixture(scope="session")
def strict_scp() -> Iterator[int]:
    """Plain DICOM that rejects unknown AE titles."""
    yield from _serve(patients=PATIENTS, allowed_calling=["MODALITY1"])


@pytest.fixture(scope="session")
def banner_port() -> Iterator[int]:
    """A port that answers at once, but not in DICOM (an SSH banner)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    conn.recv(1024)

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts TCP connections (the kernel's backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])
