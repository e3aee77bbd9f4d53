"""A local HTTPS stand-in for AWS HealthImaging (and CloudTrail Lake's event data store reads), for
the tests and the live demo: moto implements neither, and no other emulator exists.

Every response is built from botocore's own service models: the operation is found from the
request's method and path (``medical-imaging``, REST-JSON) or its ``X-Amz-Target`` (``cloudtrail``,
JSON 1.1), and the answer is validated against the operation's output shape before it is written,
so the unmodified botocore client parses exactly what AWS would send. The region comes from the
request's SigV4 credential scope. CloudTrail operations other than ListEventDataStores and
GetEventDataStore are forwarded unchanged to ``upstream`` (a moto server), so one ``cloudtrail``
client sees one service.

Faults answer chosen operations (in a region, for a number of times) with an AWS error code and
status (AccessDeniedException, UnrecognizedClientException, ThrottlingException, ...), or drop the
connection with no answer (an endpoint that does not respond).

Clients reach it through ``AWS_ENDPOINT_URL_MEDICAL_IMAGING`` / ``AWS_ENDPOINT_URL_CLOUDTRAIL`` and
trust its certificate (generated when it starts) through ``AWS_CA_BUNDLE``: :meth:`StandIn.environ`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import re
import ssl
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACCOUNT = "123456789012"
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_LAKE_OPERATIONS = ("ListEventDataStores", "GetEventDataStore")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}
#: the HTTP status each error code is answered with
STATUS = {"AccessDeniedException": 403, "UnrecognizedClientException": 403, "ThrottlingException": 429,
          "ResourceNotFoundException": 404, "InternalServerException": 500, "ValidationException": 400}


def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _validated(shape: Any, value: Mapping[str, Any]) -> dict[str, Any]:
    """``value`` checked against the output ``shape`` (botocore's validator), as JSON-ready data."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(dict(value), shape)
    if report.has_errors():
        raise ValueError(f"stand-in response does not fit {shape.name}: {report.generate_report()}")
    return _wire(shape, value)


def _wire(shape: Any, value: Any) -> Any:
    """A value as the service writes it: structure members by their wire name, timestamps as epoch
    seconds (the JSON protocols' default)."""
    if shape.type_name == "structure":
        return {shape.members[k].serialization.get("name", k): _wire(shape.members[k], v)
                for k, v in value.items() if k in shape.members}
    if shape.type_name == "list":
        return [_wire(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: _wire(shape.value, v) for k, v in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, dt.datetime):
        return value.timestamp()
    return value


@dataclass
class Fault:
    operation: str
    code: str  # an AWS error code, or "drop" to close the connection without an answer
    region: str | None = None  # None: every region
    times: int | None = None  # None: every time
    hits: int = 0


@dataclass
class StandIn:
    """The services' state; :meth:`serve` runs it."""

    upstream: str | None = None
    page_size: int = 2
    account: str = ACCOUNT
    datastores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    event_data_stores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (service, region, operation)
    url: str = ""
    ca: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- state -------------------------------------------------------------------------------------

    def add_datastore(self, region: str, name: str, *, kms_key_arn: str | None = None, status: str = "ACTIVE",
                      tags: Mapping[str, str] | None = None) -> str:
        """A data store (as CreateDatastore would leave it); returns its ARN."""
        found = self.datastores.setdefault(region, [])
        datastore_id = hashlib.sha256(f"{region}/{name}/{len(found)}".encode()).hexdigest()[:32]
        arn = f"arn:aws:medical-imaging:{region}:{self.account}:datastore/{datastore_id}"
        now = dt.datetime(2025, 1, 15, 9, 30, tzinfo=dt.UTC)
        properties: dict[str, Any] = {"datastoreId": datastore_id, "datastoreName": name, "datastoreStatus": status,
                                      "datastoreArn": arn, "createdAt": now, "updatedAt": now}
        if kms_key_arn is not None:
            properties["kmsKeyArn"] = kms_key_arn
        found.append(properties)
        self.tags[arn] = dict(tags or {})
        return arn

    def add_event_data_store(self, region: str, name: str, selectors: list[dict[str, Any]], *,
                             multi_region: bool = True, status: str = "ENABLED") -> str:
        found = self.event_data_stores.setdefault(region, [])
        arn = f"arn:aws:cloudtrail:{region}:{self.account}:eventdatastore/{name}-{len(found):04d}"
        found.append({"EventDataStoreArn": arn, "Name": name, "Status": status, "AdvancedEventSelectors": selectors,
                      "MultiRegionEnabled": multi_region, "OrganizationEnabled": False, "RetentionPeriod": 2557,
                      "TerminationProtectionEnabled": True})
        return arn

    def fail(self, operation: str, code: str, *, region: str | None = None, times: int | None = None) -> Fault:
        fault = Fault(operation, code, region, times)
        self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self.lock:
            for store in (self.datastores, self.tags, self.event_data_stores):
                store.clear()
            self.faults.clear()
            self.requests.clear()

    def environ(self, *, cloudtrail: bool = True) -> dict[str, str]:
        """Environment pointing botocore at the stand-in."""
        assert self.ca is not None, "not serving"
        out = {"AWS_ENDPOINT_URL_MEDICAL_IMAGING": self.url, "AWS_CA_BUNDLE": str(self.ca)}
        if cloudtrail and self.upstream:
            out["AWS_ENDPOINT_URL_CLOUDTRAIL"] = self.url
        return out

    def operations(self, service: str) -> list[str]:
        with self.lock:
            return [op for s, _region, op in self.requests if s == service]

    # --- answering ------------------------------------------------------------------------------------

    def _fault(self, operation: str, region: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.operation == operation and fault.region in (None, region) and (
                        fault.times is None or fault.hits < fault.times):
                    fault.hits += 1
                    return fault
        return None

    def imaging(self, operation: str, region: str, labels: Mapping[str, str],
                query: Mapping[str, list[str]]) -> dict[str, Any]:
        stores = self.datastores.get(region, [])
        if operation == "ListDatastores":
            wanted = query.get("datastoreStatus", [None])[0]
            listed = [s for s in stores if wanted is None or s["datastoreStatus"] == wanted]
            start = int(query.get("nextToken", ["0"])[0])
            size = min(int(query.get("maxResults", [str(self.page_size)])[0]), self.page_size)
            page = listed[start:start + size]
            out: dict[str, Any] = {"datastoreSummaries": [
                {k: v for k, v in s.items() if k != "kmsKeyArn"} for s in page]}
            if start + size < len(listed):
                out["nextToken"] = str(start + size)
            return out
        if operation == "GetDatastore":
            found = [s for s in stores if s["datastoreId"] == labels["datastoreId"]]
            if not found:
                raise _Error("ResourceNotFoundException", f"data store {labels['datastoreId']} not found")
            return {"datastoreProperties": found[0]}
        if operation == "ListTagsForResource":
            arn = labels["resourceArn"]
            if arn not in self.tags:
                raise _Error("ResourceNotFoundException", f"{arn} not found")
            return {"tags": self.tags[arn]}
        raise _Error("ValidationException", f"the stand-in does not serve {operation}")

    def lake(self, operation: str, region: str, body: Mapping[str, Any]) -> dict[str, Any]:
        stores = self.event_data_stores.get(region, [])
        if operation == "ListEventDataStores":
            return {"EventDataStores": [{"EventDataStoreArn": s["EventDataStoreArn"], "Name": s["Name"]}
                                        for s in stores]}
        found = [s for s in stores if body.get("EventDataStore") in (s["EventDataStoreArn"], s["Name"])]
        if not found:
            raise _Error("EventDataStoreNotFoundException", f"{body.get('EventDataStore')} not found")
        return found[0]

    # --- serving --------------------------------------------------------------------------------------

    @contextmanager
    def serve(self) -> Iterator[StandIn]:
        with tempfile.TemporaryDirectory(prefix="pacscan-standin-") as folder:
            cert, key = self_signed(Path(folder))
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self.url, self.ca = f"https://127.0.0.1:{server.server_address[1]}", cert
            try:
                yield self
            finally:
                server.shutdown()
                server.server_close()
                self.url, self.ca = "", None


class _Error(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class _Routes:
    """medical-imaging operations by method and path template, from the service model."""

    def __init__(self) -> None:
        self.model = _model("medical-imaging")
        self.routes: list[tuple[str, re.Pattern[str], str]] = []
        for name in self.model.operation_names:
            http = self.model.operation_model(name).http
            path = http["requestUri"].split("?", 1)[0]
            pattern = re.sub(r"\\\{(\w+)\+?\\\}", r"(?P<\1>[^/]+)", re.escape(path))
            self.routes.append((http["method"], re.compile(f"^{pattern}$"), name))

    def find(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for verb, pattern, name in self.routes:
            match = pattern.match(path)
            if verb == method and match:
                return name, {k: unquote(v) for k, v in match.groupdict().items()}
        return None


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    routes = _Routes()
    trail_model = _model("cloudtrail")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            scope = _CREDENTIAL.search(self.headers.get("Authorization") or "")
            region = scope.group(1) if scope else "us-east-1"
            target = self.headers.get("X-Amz-Target")
            if target:
                self._cloudtrail(target.rsplit(".", 1)[-1], region, body)
            else:
                self._imaging(region)

        def _imaging(self, region: str) -> None:
            parts = urlsplit(self.path)
            found = routes.find(self.command, parts.path)
            if found is None:
                self._error("rest", _Error("UnknownOperationException", f"no operation at {parts.path}"), 404)
                return
            operation, labels = found
            with stand_in.lock:
                stand_in.requests.append(("medical-imaging", region, operation))
            if self._faulted(operation, region, "rest"):
                return
            try:
                value = stand_in.imaging(operation, region, labels, parse_qs(parts.query))
            except _Error as err:
                self._error("rest", err, STATUS.get(err.code, 400))
                return
            shape = routes.model.operation_model(operation).output_shape
            self._json(200, _validated(shape, value), "application/json")

        def _cloudtrail(self, operation: str, region: str, body: bytes) -> None:
            with stand_in.lock:
                stand_in.requests.append(("cloudtrail", region, operation))
            if self._faulted(operation, region, "json"):
                return
            if operation not in _LAKE_OPERATIONS:
                self._forward(body)
                return
            try:
                value = stand_in.lake(operation, region, json.loads(body or b"{}"))
            except _Error as err:
                self._error("json", err, STATUS.get(err.code, 400))
                return
            shape = trail_model.operation_model(operation).output_shape
            self._json(200, _validated(shape, value), "application/x-amz-json-1.1")

        def _faulted(self, operation: str, region: str, protocol: str) -> bool:
            fault = stand_in._fault(operation, region)
            if fault is None:
                return False
            if fault.code == "drop":
                self.close_connection = True
                self.connection.close()
                return True
            self._error(protocol, _Error(fault.code, f"stand-in fault for {operation} in {region}"),
                        STATUS.get(fault.code, 400))
            return True

        def _error(self, protocol: str, err: _Error, status: int) -> None:
            if protocol == "rest":
                self._json(status, {"message": err.message}, "application/json", {"x-amzn-ErrorType": err.code})
            else:
                self._json(status, {"__type": err.code, "message": err.message}, "application/x-amz-json-1.1")

        def _json(self, status: int, value: Any, content_type: str, headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
            for name, value_ in (headers or {}).items():
                self.send_header(name, value_)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _forward(self, body: bytes) -> None:
            if not stand_in.upstream:
                self._error("json", _Error("UnknownOperationException", "no upstream for CloudTrail"), 400)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            request = urllib.request.Request(stand_in.upstream + self.path, data=body or None, headers=headers,
                                             method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, reply, data = response.status, response.headers, response.read()
            except urllib.error.HTTPError as err:
                status, reply, data = err.code, err.headers, err.read()
            self.send_response(status)
            for key, value in reply.items():
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    return Handler


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), valid for a day, generated now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
