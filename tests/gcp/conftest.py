"""Real servers on loopback for the GCP collector tests.

* Cloud Storage: gcp-storage-emulator (in memory) on a free port. It drops most fields sent when a bucket
  is created, so tests create the bucket and then ``bucket.patch()`` the settings.
* Compute Engine, Cloud KMS and Resource Manager have no emulator: :class:`RestFixture` serves their REST
  responses over HTTPS (a self-signed certificate generated here, trusted through REQUESTS_CA_BUNDLE),
  with JSON built from the SDKs' own message types so the wire shape is the real one. Paths it does not
  serve are forwarded to the storage emulator, so every API call of a scan goes through it: it records
  each request and can answer chosen ones with an error (403, 429, a disabled API) for a number of times.
* The Cloud Healthcare API (no emulator, no client library) gets a second :class:`RestFixture` of its
  own (its ``/v1/projects/P/locations`` would collide with Cloud KMS's), serving the JSON shapes of
  the API reference (``healthcare_api.py``); every scan reaches it (``RestFixture.healthcare``).

The collector under test is the unmodified SDK clients pointed at these endpoints with AnonymousCredentials.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts.healthimaging_standin import self_signed  # one test certificate maker for every TLS fixture

PROJECT = "pacs-prod"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Fault:
    """Answer requests matching ``method`` and ``path`` (a regex searched in the path) with ``status``."""

    method: str
    path: str
    status: int
    body: dict[str, Any]
    times: int | None = None  # None: every time
    hits: int = 0


def google_error(status: int, message: str, reason: str, grpc_status: str,
                 error_info: str | None = None) -> dict[str, Any]:
    """An error body shaped like Google's JSON APIs return it."""
    error: dict[str, Any] = {"code": status, "message": message, "status": grpc_status,
                             "errors": [{"message": message, "domain": "global", "reason": reason}]}
    if error_info:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": error_info,
                             "domain": "googleapis.com", "metadata": {"consumer": f"projects/{PROJECT}"}}]
    return {"error": error}


DENIED = google_error(403, "The caller does not have permission", "forbidden", "PERMISSION_DENIED")
THROTTLED = google_error(429, "Quota exceeded for quota metric 'Read requests'", "rateLimitExceeded",
                         "RESOURCE_EXHAUSTED")


def disabled(service: str) -> dict[str, Any]:
    return google_error(403, f"{service} has not been used in project {PROJECT} before or it is disabled.",
                        "accessNotConfigured", "PERMISSION_DENIED", "SERVICE_DISABLED")


@dataclass
class RestFixture:
    url: str
    upstream: str
    routes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    healthcare: RestFixture | None = None  # the Cloud Healthcare API's own server

    def reset(self) -> None:
        with self.lock:
            self.routes.clear()
            self.faults.clear()
            self.requests.clear()

    def serve(self, method: str, path: str, body: dict[str, Any]) -> None:
        self.routes[(method, path)] = body

    def fail(self, method: str, path: str, status: int, body: dict[str, Any], times: int | None = None) -> Fault:
        fault = Fault(method, path, status, body, times)
        self.faults.append(fault)
        return fault

    def answer(self, method: str, path: str) -> tuple[int, dict[str, Any]] | None:
        with self.lock:
            self.requests.append((method, path))
            for fault in self.faults:
                if fault.method == method and re.search(fault.path, path) and (
                        fault.times is None or fault.hits < fault.times):
                    fault.hits += 1
                    return fault.status, fault.body
            if (method, path) in self.routes:
                return 200, self.routes[(method, path)]
        return None


def _handler(fixture: RestFixture) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            answer = fixture.answer(self.command, path)
            if answer is None and path.startswith(("/storage/", "/upload/", "/batch/")):
                self._forward(body)
                return
            status, payload = answer if answer is not None else (404, google_error(
                404, f"no fixture for {self.command} {path}", "notFound", "NOT_FOUND"))
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _forward(self, body: bytes) -> None:
            host, port = fixture.upstream.removeprefix("http://").split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "content-length")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            conn.close()
            self._send(response.status, data, response.getheader("Content-Type") or "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    return Handler


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    from gcp_storage_emulator.server import create_server

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _https_fixture(upstream: str, cert: Path, key: Path) -> tuple[RestFixture, ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fixture = RestFixture(url=f"https://127.0.0.1:{httpd.server_address[1]}", upstream=upstream)
    httpd.RequestHandlerClass = _handler(fixture)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return fixture, httpd


@pytest.fixture(scope="session")
def rest_server(emulator_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RestFixture, Path]]:
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    fixture, httpd = _https_fixture(emulator_url, cert, key)
    healthcare, health_httpd = _https_fixture(emulator_url, cert, key)
    fixture.healthcare = healthcare
    yield fixture, cert
    for server in (httpd, health_httpd):
        server.shutdown()
        server.server_close()


@pytest.fixture
def gcp(rest_server: tuple[RestFixture, Path], emulator_url: str,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[RestFixture]:
    """A wiped emulator, a fixture server with empty listings for PROJECT, and its CA trusted."""
    fixture, cert = rest_server
    fixture.reset()
    assert fixture.healthcare is not None
    fixture.healthcare.reset()
    with urllib.request.urlopen(f"{emulator_url}/wipe", timeout=10) as response:
        response.read()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/pacscan-test-adc.json")
    empty_project(fixture, PROJECT)
    yield fixture


def empty_project(fixture: RestFixture, project: str) -> None:
    """Empty listings for every Compute/KMS/Resource Manager call the collector makes."""
    compute = f"/compute/v1/projects/{project}"
    for path in ("/global/firewalls", "/aggregated/sslPolicies", "/aggregated/subnetworks",
                 "/aggregated/targetHttpsProxies", "/global/targetSslProxies", "/aggregated/resourcePolicies"):
        fixture.serve("GET", compute + path, {})
    fixture.serve("GET", f"/v1/projects/{project}/locations", {})
    fixture.serve("POST", f"/v3/projects/{project}:getIamPolicy", {})
    if fixture.healthcare is not None:
        fixture.healthcare.serve("GET", f"/v1/projects/{project}/locations", {})


def collector(fixture: RestFixture, projects: tuple[str, ...] = (PROJECT,), **kwargs: Any) -> Any:
    from google.auth.credentials import AnonymousCredentials

    from scanner.collectors.gcp import GcpCollector, GcpEndpoints, RetryPolicy

    endpoints = GcpEndpoints(storage=fixture.url, compute=fixture.url, kms=fixture.url,
                             resourcemanager=fixture.url,
                             healthcare=fixture.healthcare.url if fixture.healthcare is not None else None)
    kwargs.setdefault("retry", RetryPolicy(initial=0.01, maximum=0.02, deadline=1.0, timeout=10))
    return GcpCollector(projects, credentials=AnonymousCredentials(), endpoints=endpoints, **kwargs)


def storage_client(emulator_url: str) -> Any:
    """A client for seeding, straight to the emulator."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    return storage.Client(project=PROJECT, credentials=AnonymousCredentials(),
                          client_options={"api_endpoint": emulator_url})


def scan(fixture: RestFixture, **kwargs: Any) -> tuple[Any, list[Any]]:
    """Collect, then evaluate with the catalog defaults: (inventory, findings)."""
    from scanner.catalog import load_catalog
    from scanner.engine.evaluate import evaluate_inventory

    catalog = load_catalog()
    inventory = collector(fixture, **kwargs).collect()
    return inventory, evaluate_inventory(catalog, catalog.defaults(), inventory, "gcp")


def outcome(findings: list[Any], check_id: str) -> dict[str, str]:
    """resource name (last path segment of the address; the type for a failed listing) -> status."""
    out: dict[str, str] = {}
    for finding in findings:
        if finding.check_id == check_id:
            address = finding.resource.address
            name = address.rsplit("/", 1)[-1] if "/" in address else address.rsplit(":", 1)[-1]
            out[name] = finding.status.value
    return out


def to_json(message: Any) -> dict[str, Any]:
    """A proto-plus message as the JSON its REST API sends."""
    data: dict[str, Any] = json.loads(type(message).to_json(message))
    return data
