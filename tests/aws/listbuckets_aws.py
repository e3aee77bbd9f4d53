"""ListBuckets answered as AWS documents it, in front of a moto server, over real HTTP.

moto 5.2 answers ``ListBuckets`` with neither ``BucketRegion`` nor ``ContinuationToken``: asked with
``MaxBuckets`` it returns the first buckets and stops. AWS pages (``MaxBuckets``, default 10,000 when
another parameter is given), returns a ``ContinuationToken`` while more buckets remain, includes each
bucket's ``BucketRegion`` when the request has any parameter, and filters by ``bucket-region`` and
``prefix``. This server answers ``GET /`` (path-style ListBuckets) that way, from the buckets and
regions moto holds, and forwards every other request unchanged to moto, so one botocore ``s3``
client (pointed here with ``AWS_ENDPOINT_URL_S3``) sees one consistent S3.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}
DEFAULT_PAGE = 10_000


def _get(upstream: str, path: str) -> bytes:
    with urllib.request.urlopen(upstream + path, timeout=30) as response:
        data: bytes = response.read()
        return data


def _buckets(upstream: str) -> tuple[list[tuple[str, str, str]], str, str]:
    """(name, creation date, region) of every bucket moto holds, and the owner's id and name."""
    root = ET.fromstring(_get(upstream, "/"))
    owner_id = root.findtext(f"{_NS}Owner/{_NS}ID") or ""
    owner_name = root.findtext(f"{_NS}Owner/{_NS}DisplayName") or ""
    out = []
    for bucket in root.iter(f"{_NS}Bucket"):
        name = bucket.findtext(f"{_NS}Name") or ""
        created = bucket.findtext(f"{_NS}CreationDate") or ""
        location = ET.fromstring(_get(upstream, f"/{name}?location")).text or "us-east-1"
        out.append((name, created, "eu-west-1" if location == "EU" else location))
    return sorted(out), owner_id, owner_name


def list_body(upstream: str, query: dict[str, list[str]]) -> bytes:
    buckets, owner_id, owner_name = _buckets(upstream)
    region = (query.get("bucket-region") or [None])[0]
    prefix = (query.get("prefix") or [""])[0]
    token = (query.get("continuation-token") or [""])[0]
    size = int((query.get("max-buckets") or [DEFAULT_PAGE])[0])
    with_region = bool(query)  # AWS includes BucketRegion when the request has any parameter
    chosen = [b for b in buckets if (region is None or b[2] == region) and b[0].startswith(prefix) and b[0] > token]
    page, more = chosen[:size], len(chosen) > size
    items = "".join(f"<Bucket><Name>{escape(n)}</Name><CreationDate>{c}</CreationDate>"
                    + (f"<BucketRegion>{r}</BucketRegion>" if with_region else "") + "</Bucket>" for n, c, r in page)
    next_token = f"<ContinuationToken>{escape(page[-1][0])}</ContinuationToken>" if more and query else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/'
            f'2006-03-01/"><Owner><ID>{owner_id}</ID><DisplayName>{owner_name}</DisplayName></Owner>'
            f"<Buckets>{items}</Buckets>{next_token}</ListAllMyBucketsResult>").encode()


def _handler(upstream: str, served: list[dict[str, list[str]]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, headers: Any, data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            request = urllib.request.Request(upstream + self.path, data=body, headers=headers, method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    self._reply(response.status, response.headers, response.read())
            except urllib.error.HTTPError as err:
                self._reply(err.code, err.headers, err.read())

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            if self.command == "GET" and parts.path == "/":
                query = parse_qs(parts.query, keep_blank_values=True)
                query.pop("x-id", None)  # botocore's operation marker, not a parameter
                served.append(query)
                self._reply(200, {"Content-Type": "application/xml"}, list_body(upstream, query))
            else:
                self._forward()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    return Handler


@contextmanager
def serve(upstream: str) -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """Run the server on a free loopback port; yields its URL and the ListBuckets queries it answered."""
    served: list[dict[str, list[str]]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, served))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", served
    finally:
        server.shutdown()
        server.server_close()
