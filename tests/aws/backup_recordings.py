"""Recorded AWS Backup responses for the APIs moto does not implement, served over real HTTP.

moto 5 has no ``ListBackupSelections``/``GetBackupSelection`` (nor recovery points). This server
answers those two REST operations with bodies shaped exactly like the AWS Backup API responses
(``GET /backup/plans/{id}/selections/`` and ``GET /backup/plans/{id}/selections/{selectionId}``)
and forwards every other request, unchanged, to the moto server, so one botocore ``backup`` client
(pointed here with ``AWS_ENDPOINT_URL_BACKUP``) sees a single consistent service. Selections are
recorded per plan id by the test after it creates the plan in moto.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_LIST = re.compile(r"^/backup/plans/(?P<plan>[^/]+)/selections/?$")
_GET = re.compile(r"^/backup/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/?]+)$")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}


class Recordings:
    """Selections per plan, as the AWS API returns them."""

    def __init__(self) -> None:
        self.selections: dict[str, list[dict[str, Any]]] = {}

    def add_selection(self, plan_id: str, selection: Mapping[str, Any]) -> str:
        """Record a ``BackupSelection`` document (the CreateBackupSelection input shape) for a plan."""
        found = self.selections.setdefault(plan_id, [])
        selection_id = f"{len(found) + 1:08d}-0000-4000-8000-{plan_id[-12:]:0>12}"
        found.append({"SelectionId": selection_id, "BackupSelection": dict(selection)})
        return selection_id

    def list_body(self, plan_id: str) -> dict[str, Any]:
        items = [{
            "SelectionId": s["SelectionId"], "SelectionName": s["BackupSelection"]["SelectionName"],
            "BackupPlanId": plan_id, "CreationDate": 1700000000.0,
            "IamRoleArn": s["BackupSelection"]["IamRoleArn"], "CreatorRequestId": "pacscan-test",
        } for s in self.selections.get(plan_id, [])]
        return {"BackupSelectionsList": items}

    def get_body(self, plan_id: str, selection_id: str) -> dict[str, Any] | None:
        for s in self.selections.get(plan_id, []):
            if s["SelectionId"] == selection_id:
                return {"BackupSelection": s["BackupSelection"], "SelectionId": selection_id,
                        "BackupPlanId": plan_id, "CreationDate": 1700000000.0, "CreatorRequestId": "pacscan-test"}
        return None


def _handler(recordings: Recordings, upstream: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _json(self, status: int, body: Mapping[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _recorded(self) -> bool:
            path = self.path.split("?", 1)[0]
            if self.command != "GET":
                return False
            if match := _LIST.match(path):
                self._json(200, recordings.list_body(match["plan"]))
                return True
            if match := _GET.match(path):
                body = recordings.get_body(match["plan"], match["selection"])
                if body is None:
                    self._json(404, {"__type": "ResourceNotFoundException", "message": "selection not found"})
                else:
                    self._json(200, body)
                return True
            return False

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            request = urllib.request.Request(upstream + self.path, data=body, headers=headers, method=self.command)
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

        def _serve(self) -> None:
            if not self._recorded():
                self._forward()

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler


@contextmanager
def serve(upstream: str) -> Iterator[tuple[str, Recordings]]:
    """Run the server on a free loopback port; yields its URL and the recordings to fill."""
    recordings = Recordings()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recordings, upstream))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", recordings
    finally:
        server.shutdown()
        server.server_close()
