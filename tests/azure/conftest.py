"""A local HTTPS server shaped like Azure Resource Manager, for the Azure collector tests.

ARM has no emulator, so each test registers ARM-shaped JSON (built from the SDK's own models, see
``world.py``) per request path; the unmodified SDK clients reach it through ``base_url=`` and trust
its test-generated self-signed certificate through ``connection_verify=<ca file>``. A route may
answer with a sequence (e.g. 429 then 200): the last answer repeats. A request for a path nobody
registered gets a 404 ``FixtureRouteMissing`` and is recorded in ``missing`` (tests assert it stays
empty, so an unexpected call can never pass silently).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from azure.core.credentials import AccessToken


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def arm_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message}}, headers or {})


class FixedToken:
    """A real TokenCredential returning a fixed (non-JWT) bearer token."""

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        return AccessToken("fixture-token", int(time.time()) + 3600)


class ArmServer:
    def __init__(self, ca_file: Path, url: str) -> None:
        self.ca_file = str(ca_file)
        self.url = url
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[tuple[str, str]] = []
        self.missing: list[str] = []
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.routes.clear()
            self.requests.clear()
            self.missing.clear()

    def on(self, path: str, *answers: Answer | Any) -> None:
        """Answer GET ``path`` with ``answers`` in turn (a bare value is a 200 JSON body)."""
        seq = [a if isinstance(a, Answer) else Answer(200, a) for a in answers]
        with self.lock:
            self.routes[path.lower()] = seq

    def answer(self, method: str, raw_path: str) -> Answer:
        path = urlsplit(raw_path).path
        with self.lock:
            self.requests.append((method, path))
            seq = self.routes.get(path.lower())
            if method != "GET" or seq is None:
                self.missing.append(f"{method} {path}")
                return arm_error(404, "FixtureRouteMissing", f"no fixture for {method} {path}")
            return seq.pop(0) if len(seq) > 1 else seq[0]


def _certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pacscan arm fixture")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "arm.pem", directory / "arm.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _handler(server: ArmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                answer = arm_error(401, "AuthenticationFailed", "no bearer token")
            else:
                answer = server.answer(self.command, self.path)
            body = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture(scope="session")
def arm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmServer]:
    cert_file, key_file = _certificate(tmp_path_factory.mktemp("arm-tls"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ArmServer(cert_file, "")))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    server = ArmServer(cert_file, f"https://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def arm(arm_server: ArmServer) -> ArmServer:
    arm_server.reset()
    return arm_server
