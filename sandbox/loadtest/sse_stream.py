"""One customer's own SSE stream, kept open in a greenlet as a browser's EventSource would.

geventhttpclient (already under Locust's FastHttpUser) reads the body line by line on a
gevent socket, so a stream costs a greenlet and a socket, no thread. Any error closes the
connection and reconnects with ``Last-Event-ID`` after a growing pause, until the stream's
deadline. Every ``order-status-changed`` event settles that order's outcome once: its
completion status (or a later one) completes it, ``Cancelled`` ends it unexpectedly. An
event naming another customer is reported as a leak, never used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import gevent  # type: ignore[import-untyped]
from gevent.event import AsyncResult, Event  # type: ignore[import-untyped]
from geventhttpclient import HTTPClient
from geventhttpclient.response import HTTPSocketPoolResponse

from chaos.sse_frames import FrameReader

STREAM_PATH = "/sse/storefront"
READ_TIMEOUT_S = 40.0  # the Storefront sends a keep-alive comment after 15 s of silence
CONNECT_TIMEOUT_S = 10.0
RECONNECT_FIRST_S = 0.25
RECONNECT_CAP_S = 4.0
ORDER_EVENT = "order-status-changed"
RANKS = {
    "Placed": 0,
    "InventoryReserved": 1,
    "PaymentAuthorized": 1,
    "Confirmed": 2,
    "Shipped": 3,
    "Delivered": 4,
}
FAILED_END = "Cancelled"


@dataclass(frozen=True)
class Outcome:
    status: str
    received: float  # time.monotonic() when the event was parsed
    expected: bool  # False: the order ended in a state the run did not ask for
    occurred_at: float | None = None  # unix time the system says the status changed


def settles(status: str, completion_status: str) -> Outcome | None:
    """The outcome an order status decides (receipt time left at 0), or None."""
    if status == FAILED_END:
        return Outcome(status, 0.0, expected=False)
    if RANKS.get(status, -1) >= RANKS[completion_status]:
        return Outcome(status, 0.0, expected=True)
    return None


class OrderStream:
    def __init__(
        self,
        base_url: str,
        customer_id: str,
        token: str,
        completion_status: str,
        *,
        deadline: float,
        on_connect: Callable[[float, str | None], None],
        on_error: Callable[[str], None],
        on_leak: Callable[[dict[str, Any]], None],
        on_event: Callable[[], None] = lambda: None,
    ) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.customer_id = customer_id
        self.token = token
        self.completion_status = completion_status
        self.deadline = deadline  # time.monotonic() after which it stops reconnecting
        self.on_connect = on_connect  # (milliseconds to the answer's head, error or None)
        self.on_error = on_error
        self.on_leak = on_leak
        self.on_event = on_event  # every event frame received (work per order)
        self.opened = Event()  # set once the first connection answered 200
        self.last_id: int | None = None
        self._outcomes: dict[str, Any] = {}  # order id -> AsyncResult[Outcome]

    def outcome(self, order_id: str) -> Any:
        """The order's AsyncResult: it may be settled before the checkout answer arrives."""
        return self._outcomes.setdefault(order_id, AsyncResult())

    def forget(self, order_id: str) -> None:
        self._outcomes.pop(order_id, None)

    def run(self) -> None:
        """Listen, reconnecting after errors, until killed or past the deadline."""
        failures = 0
        while time.monotonic() < self.deadline:
            try:
                if self._once():
                    failures = 0
            except Exception as exc:  # any failure of one connection: reconnect, as a browser
                self.on_error(f"{type(exc).__name__}: {exc}")
            pause = min(RECONNECT_CAP_S, RECONNECT_FIRST_S * 2**failures)
            failures = min(failures + 1, 8)
            gevent.sleep(min(pause, max(self.deadline - time.monotonic(), 0)))

    def _once(self) -> bool:
        """One connection; True if it was answered 200 (however it ended)."""
        client = HTTPClient(
            self.host,
            self.port,
            connection_timeout=CONNECT_TIMEOUT_S,
            network_timeout=READ_TIMEOUT_S,
            concurrency=1,
        )
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = str(self.last_id)
        response: HTTPSocketPoolResponse | None = None
        started = time.perf_counter()
        try:
            try:
                response = client.get(STREAM_PATH, headers=headers)
            except Exception as exc:
                self.on_connect((time.perf_counter() - started) * 1000, f"{exc}")
                raise
            took_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                self.on_connect(took_ms, f"HTTP {response.status_code}")
                self.on_error(f"HTTP {response.status_code} opening the stream")
                return False
            self.on_connect(took_ms, None)
            self.opened.set()
            self._read(response)
            return True
        finally:
            client.close()  # first, so that releasing the response closes its socket
            if response is not None:
                response.release()

    def _read(self, response: HTTPSocketPoolResponse) -> None:
        reader = FrameReader()
        while True:
            raw = response.readline(b"\n")
            if not raw:
                return  # the server ended the stream: reconnect
            frame = reader.feed(raw.decode().rstrip("\r\n"))
            if frame is not None:
                self._handle(frame)

    def _handle(self, frame: dict[str, str]) -> None:
        received = time.monotonic()
        self.on_event()
        if frame.get("id", "").isdigit():
            self.last_id = int(frame["id"])
        data = json.loads(frame["data"])
        if not isinstance(data, dict):
            return
        owner = data.get("customerId")
        if owner is not None and owner != self.customer_id:
            self.on_leak({"id": frame.get("id"), "event": frame.get("event"), "data": data})
            return
        if frame.get("event") != ORDER_EVENT or not isinstance(data.get("orderId"), str):
            return
        decided = settles(str(data.get("newStatus")), self.completion_status)
        if decided is None:
            return
        result = self.outcome(data["orderId"])
        if not result.ready():
            occurred = _unix_time(data.get("occurredAt"))
            result.set(Outcome(decided.status, received, decided.expected, occurred))


def _unix_time(text: object) -> float | None:
    """An event's ISO 8601 timestamp as unix seconds (None if absent or unreadable)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
