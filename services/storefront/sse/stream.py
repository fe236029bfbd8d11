"""One SSE stream, from admission to its last byte, as a plain ASGI coroutine.

``StreamService.serve(scope, receive, send)`` runs in the server's own task for the
connection and starts no other (see ``hub`` and ``disconnect`` for why that matters).

1. Admission (``admission.admit``): 401 / 403 / 400 as problem+json, before any stream.
2. The stream is registered in the hub *before* the database is read, so nothing
   committed in between is missed: a fresh stream starts after the customer's newest
   event (``latest_id``); a reconnecting one (``Last-Event-ID``) first replays what
   it missed. Frames announced meanwhile are kept and filtered by id, so an event is
   never sent twice on one stream. The database unreachable at this point: 503.
3. The pump: send replayed rows, then announced frames, then wait for the next event,
   a heartbeat comment after ``heartbeat_s`` of silence, a disconnect or shutdown.
   A database error while catching up ends the stream; the client reconnects with
   ``Last-Event-ID`` and loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from services.kernel.db import TRANSIENT_DB_ERRORS
from services.kernel.errors import DependencyUnavailable, RequestRejected
from services.kernel.logs import describe_error
from services.kernel.problems import PROBLEM_JSON
from services.storefront.domain import Notification
from services.storefront.metrics import StorefrontMetrics
from services.storefront.sse.admission import Authenticate, admit
from services.storefront.sse.disconnect import DisconnectWatch, Receive
from services.storefront.sse.framing import comment_frame, event_frame, render_data, retry_frame
from services.storefront.sse.hub import Hub, Subscriber

log = logging.getLogger(__name__)

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Scope = MutableMapping[str, Any]

RECONNECT_DELAY_MS = 1000
DATABASE_DOWN: tuple[type[Exception], ...] = (DependencyUnavailable, *TRANSIENT_DB_ERRORS)
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]


class NotificationSource(Protocol):
    """Reads of stored notifications (``store.NotificationReader``); ``None`` = everyone."""

    async def latest_id(self, customer_id: UUID | None) -> int: ...

    async def since(
        self, customer_id: UUID | None, after_id: int, limit: int
    ) -> list[Notification]: ...


@dataclass(frozen=True)
class StreamOptions:
    heartbeat_s: float = 15.0
    replay_batch: int = 500


class StreamService:
    """Serves ``/sse/storefront`` streams of this process."""

    def __init__(
        self,
        *,
        hub: Hub,
        source: Callable[[], NotificationSource],
        authenticate: Authenticate,
        options: StreamOptions,
        metrics: StorefrontMetrics | None = None,
    ) -> None:
        self.hub = hub
        self._source = source  # a callable: the pool exists only once the database is up
        self._authenticate = authenticate
        self._options = options
        self._metrics = metrics or StorefrontMetrics()

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            request = admit(
                scope["method"],
                scope["path"],
                scope["headers"],
                scope.get("query_string", b""),
                self._authenticate,
            )
        except RequestRejected as exc:
            await _problem(send, exc.status_code, exc.title, exc.detail)
            return
        subscriber = self.hub.subscribe(request.customer_id)
        self._metrics.streams.inc()
        try:
            try:
                await self._position(subscriber, request.last_event_id)
            except DATABASE_DOWN as exc:
                await _problem(send, 503, "Service Unavailable", f"database: {describe_error(exc)}")
                return
            await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
            await _write(send, retry_frame(RECONNECT_DELAY_MS) + comment_frame("connected"))
            watch = DisconnectWatch(receive, subscriber.wake)
            try:
                ended_by_us = await self._pump(subscriber, watch, send)
            finally:
                watch.close()
            if ended_by_us:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.hub.unsubscribe(subscriber)
            self._metrics.streams.dec()

    async def _position(self, subscriber: Subscriber, last_event_id: int | None) -> None:
        if last_event_id is not None:
            subscriber.last_id = last_event_id
            subscriber.catch_up = True
            return
        subscriber.last_id = await self._source().latest_id(self._scope_of(subscriber))

    async def _pump(self, subscriber: Subscriber, watch: DisconnectWatch, send: Send) -> bool:
        """Run until the client leaves (False) or the stream is ended here (True)."""
        loop = asyncio.get_running_loop()
        heartbeat_s = self._options.heartbeat_s
        last_write = loop.time()
        while True:
            if watch.check():
                return False
            if subscriber.closed:
                return True
            if subscriber.catch_up:
                try:
                    await self._catch_up(subscriber, send)
                except DATABASE_DOWN as exc:
                    log.warning("stream ended while catching up: %s", describe_error(exc))
                    return True
                last_write = loop.time()
                continue
            frames = subscriber.take()
            if frames:
                await _write(send, b"".join(frame for _, frame in frames))
                subscriber.last_id = frames[-1][0]
                self._metrics.events_sent.inc(len(frames))
                last_write = loop.time()
                continue
            silent_for = loop.time() - last_write
            if silent_for >= heartbeat_s:
                await _write(send, comment_frame("keep-alive"))
                last_write = loop.time()
                continue
            await subscriber.wait(heartbeat_s - silent_for)

    async def _catch_up(self, subscriber: Subscriber, send: Send) -> None:
        """Send every stored event after ``last_id`` (frames announced meanwhile stay
        pending and are filtered by id)."""
        subscriber.catch_up = False
        subscriber.pending = None
        source, batch = self._source(), self._options.replay_batch
        while True:
            rows = await source.since(self._scope_of(subscriber), subscriber.last_id, batch)
            if rows:
                body = b"".join(
                    event_frame(row.id, row.type.value, render_data(row.type, row.payload))
                    for row in rows
                )
                await _write(send, body)
                subscriber.last_id = rows[-1].id
                self._metrics.events_sent.inc(len(rows))
            if len(rows) < batch:
                return

    def _scope_of(self, subscriber: Subscriber) -> UUID | None:
        """Whose events the stream reads: its customer's; everyone's under ``global-sse``."""
        return None if self.hub.broadcast else subscriber.customer_id


async def _write(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
