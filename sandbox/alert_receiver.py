"""The sandbox's own Alertmanager receiver: a webhook that appends every alert to a file.

    python -m sandbox.alert_receiver --port PORT --out FILE

* ``POST /alerts``: an Alertmanager webhook message (``{"version": "4", "alerts": [...]}``);
  each alert becomes one JSON line in FILE (written and fsynced before the answer, so an
  acknowledged alert is on disk). A body that is not such a message gets a 400 with the
  reason, a body over 1 MiB a 413; nothing is written then.
* ``GET /alerts``: every line so far, as a JSON array (``sandbox alerts`` and the tests).
* ``GET /health``: 200 once the server listens.

The standard library's threading server is enough: Alertmanager sends a few messages a
minute, and this process must start fast and depend on nothing that could be broken.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MAX_BODY = 1 << 20
_KEPT = ("status", "labels", "annotations", "startsAt", "endsAt", "fingerprint")


class AlertFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, alerts: list[dict[str, Any]]) -> None:
        received = datetime.now(UTC).isoformat()
        lines = [json.dumps({"received_at": received} | _kept(alert)) + "\n" for alert in alerts]
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def read(self) -> list[dict[str, Any]]:
        with self._lock:
            if not self.path.exists():
                return []
            text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def parse_message(body: bytes) -> list[dict[str, Any]]:
    """The alerts of a webhook message; ValueError with the reason when it is not one."""
    try:
        message = json.loads(body)
    except ValueError:
        raise ValueError("body is not JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("alerts"), list):
        raise ValueError("expected an Alertmanager webhook message with an 'alerts' list")
    alerts: list[dict[str, Any]] = message["alerts"]
    if not all(isinstance(a, dict) and isinstance(a.get("labels"), dict) for a in alerts):
        raise ValueError("every alert must be an object with a 'labels' object")
    return alerts


def _kept(alert: dict[str, Any]) -> dict[str, Any]:
    return {key: alert[key] for key in _KEPT if key in alert}


def handler_for(store: AlertFile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._answer(200, {"status": "ok"})
            elif self.path == "/alerts":
                self._answer(200, store.read())
            else:
                self._answer(404, {"detail": f"no such path {self.path}"})

        def do_POST(self) -> None:
            if self.path != "/alerts":
                self._answer(404, {"detail": f"no such path {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, {"detail": f"body over {MAX_BODY} bytes"})
                return
            try:
                alerts = parse_message(self.rfile.read(length))
            except ValueError as exc:
                self._answer(400, {"detail": str(exc)})
                return
            store.append(alerts)
            self._answer(200, {"stored": len(alerts)})

        def _answer(self, status: int, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: every alert is in the file already."""

    return Handler


def serve(port: int, out: Path) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), handler_for(AlertFile(out)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    serve(args.port, args.out).serve_forever()


if __name__ == "__main__":
    main()
