"""A loopback HTTP fault-injection proxy for live-scan reliability tests.

``FaultProxy`` is a ``ThreadingHTTPServer`` on 127.0.0.1 (port 0) that forwards every request
unchanged to an upstream emulator (a moto server) and relays the answer, unless a rule in its
table matches. A rule matches on the AWS service (from the SigV4 ``Authorization`` credential
scope), the operation (``X-Amz-Target`` suffix for JSON protocols, ``Action=`` for query
protocols), the S3 sub-resource (first query key: ``encryption``, ``policy``, ...), the method
and a path regex, and then:

- ``throttle``: answers the protocol's own throttling error (S3 503 ``SlowDown`` XML, query
  400 ``Throttling`` XML, EC2 ``RequestLimitExceeded``, JSON 400 ``ThrottlingException``,
  REST-JSON 429 ``ThrottlingException``), so botocore parses and retries it as AWS's own;
- ``deny``: answers the protocol's own access-denied error (S3 403 ``AccessDenied``, EC2
  ``UnauthorizedOperation``, query 403 ``AccessDenied``, JSON ``AccessDeniedException``), which
  botocore does not retry;
- ``unavailable``: a bare 503 with an empty body;
- ``sleep``: waits ``seconds`` before forwarding (a read timeout when longer than the client's);
- ``close``: drops the connection without an answer.

``times`` limits a rule to its first N matches (then requests pass through: throttling that
resolves); ``None`` means forever. ``die_after(k)`` makes the proxy serve k more requests and
then vanish (every later connection is dropped and the listener closes): an emulator killed
mid-scan. Every request is recorded (``seen``) with what was done to it, so tests can assert
which operations ran (e.g. that no ``GetObject`` was ever sent).

Nothing is mocked: the scanner talks real HTTP to this proxy and botocore does its real
parsing, retrying and timing out.
"""

from __future__ import annotations

import http.client
import logging
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Action = Literal["throttle", "deny", "unavailable", "sleep", "close"]

_CREDENTIAL = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
                         "trailer", "content-length"})
_REST_XML = frozenset({"s3", "cloudfront", "route53"})


@dataclass(frozen=True)
class Seen:
    """One request the proxy received."""

    method: str
    path: str
    query: str
    service: str
    operation: str  # X-Amz-Target suffix, Action=, or "" (REST protocols)
    subresource: str  # first query key (S3: "encryption", "policy", ...), or ""
    outcome: str  # "forwarded" or the fault applied


@dataclass
class Rule:
    action: Action
    service: str | None = None
    operation: str | None = None
    subresource: str | None = None
    method: str | None = None
    path: str | None = None  # regex searched in the path
    times: int | None = None  # fault the first N matches only; None: always
    seconds: float = 0.0  # for "sleep"
    hits: int = 0

    def matches(self, seen: Seen) -> bool:
        return all((
            self.service is None or self.service == seen.service,
            self.operation is None or self.operation == seen.operation,
            self.subresource is None or self.subresource == seen.subresource,
            self.method is None or self.method == seen.method,
            self.path is None or re.search(self.path, seen.path) is not None,
        ))


@dataclass
class _State:
    upstream: tuple[str, int]
    rules: list[Rule] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    remaining: int | None = None  # requests left before the proxy dies
    dead: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class FaultProxy:
    """Start with ``with FaultProxy(upstream_url) as proxy: ...``; ``proxy.url`` is the endpoint."""

    def __init__(self, upstream_url: str) -> None:
        parsed = urllib.parse.urlsplit(upstream_url)
        self._state = _State(upstream=(parsed.hostname or "127.0.0.1", parsed.port or 80))
        handler = type("_BoundHandler", (_Handler,), {"state": self._state, "proxy": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="faultproxy", daemon=True)
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    # -- rule table -------------------------------------------------------------------------
    def add(self, rule: Rule) -> Rule:
        with self._state.lock:
            self._state.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._state.lock:
            self._state.rules.clear()
            self._state.seen.clear()
            self._state.remaining = None

    @contextmanager
    def rule(self, rule: Rule) -> Iterator[Rule]:
        self.add(rule)
        try:
            yield rule
        finally:
            with self._state.lock:
                self._state.rules.remove(rule)

    def die_after(self, requests: int) -> None:
        """Serve ``requests`` more requests, then drop every connection and stop listening."""
        with self._state.lock:
            self._state.remaining = requests

    # -- what happened ----------------------------------------------------------------------
    @property
    def seen(self) -> list[Seen]:
        with self._state.lock:
            return list(self._state.seen)

    @property
    def dead(self) -> bool:
        return self._state.dead

    def counts(self, outcome: str | None = None) -> Counter[str]:
        """``service:operation-or-subresource`` -> requests (of one outcome, or all)."""
        return Counter(f"{s.service}:{s.operation or s.subresource or s.method}" for s in self.seen
                       if outcome is None or s.outcome == outcome)

    def _die(self) -> None:
        self._state.dead = True
        threading.Thread(target=self.stop, name="faultproxy-die", daemon=True).start()


@contextmanager
def moto_server() -> Iterator[str]:
    """A real moto server on a free loopback port (its access log silenced); yields its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _service(headers: Message) -> str:
    found = _CREDENTIAL.search(headers.get("Authorization", ""))
    return found.group(1) if found else ""


def _operation(headers: Message, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return form.get("Action", [""])[0]
    return ""


def _subresource(query: str) -> str:
    """S3's subresource: the first key with no value (``?versioning``); parameters with a value
    (ListBuckets' ``bucket-region=``) are not one."""
    keys = [k for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if not k.startswith("x-") and not v]
    return keys[0] if keys else ""


def throttling_response(seen: Seen, has_target: bool) -> tuple[int, dict[str, str], bytes]:
    """The throttling error AWS itself sends for this request's protocol."""
    if has_target:
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
    if seen.service == "s3":
        body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                b"<Message>Please reduce your request rate.</Message><RequestId>faultproxy</RequestId></Error>")
        return 503, {"Content-Type": "application/xml"}, body
    if seen.service == "ec2":
        body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>RequestLimitExceeded"
                b"</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>faultproxy"
                b"</RequestID></Response>")
        return 503, {"Content-Type": "text/xml"}, body
    if seen.operation or seen.service in _REST_XML:
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
                b"</Message></Error><RequestId>faultproxy</RequestId></ErrorResponse>")
        return 400, {"Content-Type": "text/xml"}, body
    body = b'{"message":"Rate exceeded"}'
    return 429, {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"}, body


def denied_response(seen: Seen, has_target: bool) -> tuple[int, dict[str, str], bytes]:
    """The access-denied error AWS itself sends for this request's protocol."""
    if has_target:
        body = b'{"__type":"AccessDeniedException","message":"User is not authorized to perform this action"}'
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
    if seen.service == "s3":
        body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                b"<Message>Access Denied</Message><RequestId>faultproxy</RequestId></Error>")
        return 403, {"Content-Type": "application/xml"}, body
    if seen.service == "ec2":
        body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>UnauthorizedOperation"
                b"</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors>"
                b"<RequestID>faultproxy</RequestID></Response>")
        return 403, {"Content-Type": "text/xml"}, body
    if seen.operation or seen.service in _REST_XML:
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized"
                b"</Message></Error><RequestId>faultproxy</RequestId></ErrorResponse>")
        return 403, {"Content-Type": "text/xml"}, body
    body = b'{"message":"not authorized"}'
    return 403, {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"}, body


class _Handler(BaseHTTPRequestHandler):
    state: _State
    proxy: FaultProxy
    protocol_version = "HTTP/1.0"  # one request per connection: simple, and a close is a close

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self._handle()

    do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_GET

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        seen = Seen(self.command, path, query, _service(self.headers), _operation(self.headers, body),
                    _subresource(query), "forwarded")
        rule, dying = self._decide(seen)
        if dying:
            self._record(seen, "dead")
            self.close_connection = True
            return
        if rule is not None and rule.action == "sleep":
            self._record(seen, "sleep")
            time.sleep(rule.seconds)
        elif rule is not None:
            self._record(seen, rule.action)
            self._fault(rule, seen)
            return
        else:
            self._record(seen, "forwarded")
        with suppress(OSError):
            self._forward(body)

    def _decide(self, seen: Seen) -> tuple[Rule | None, bool]:
        state = self.state
        with state.lock:
            if state.dead:
                return None, True
            if state.remaining is not None:
                if state.remaining <= 0:
                    self.proxy._die()
                    return None, True
                state.remaining -= 1
            for rule in state.rules:
                if rule.matches(seen) and (rule.times is None or rule.hits < rule.times):
                    rule.hits += 1
                    return rule, False
        return None, False

    def _record(self, seen: Seen, outcome: str) -> None:
        with self.state.lock:
            self.state.seen.append(Seen(seen.method, seen.path, seen.query, seen.service, seen.operation,
                                        seen.subresource, outcome))

    def _fault(self, rule: Rule, seen: Seen) -> None:
        if rule.action == "close":
            self.close_connection = True
            return
        if rule.action == "unavailable":
            status, headers, body = 503, {"Content-Type": "text/plain"}, b""
        elif rule.action == "deny":
            status, headers, body = denied_response(seen, "X-Amz-Target" in self.headers)
        else:
            status, headers, body = throttling_response(seen, "X-Amz-Target" in self.headers)
        with suppress(OSError):
            self._reply(status, headers, body)

    def _forward(self, body: bytes) -> None:
        host, port = self.state.upstream
        upstream = http.client.HTTPConnection(host, port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body if body or self.command != "GET" else None,
                             headers=headers)
            response = upstream.getresponse()
            data = b"" if self.command == "HEAD" else response.read()
            relayed = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            self._reply(response.status, relayed, data, head=self.command == "HEAD",
                        length=response.getheader("Content-Length"))
        finally:
            upstream.close()

    def _reply(self, status: int, headers: dict[str, str], body: bytes, *, head: bool = False,
               length: str | None = None) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", length if head and length is not None else str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)
