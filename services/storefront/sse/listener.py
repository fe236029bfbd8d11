"""The one connection per replica that LISTENs for announced events and feeds the hub.

Why a database channel: every replica's inbox consumer shares one queue, so each
replica handles only some of the messages; yet a customer's stream may be open on
any replica (or reopen on another after a restart). The handlers therefore store
each event and ``NOTIFY storefront_events`` in their transaction; PostgreSQL delivers
the notification, after commit and in commit order, to every listening replica, and
each one hands it to the streams of that customer it holds.

A notification sent while this connection is down is never delivered to it. So each
time the connection is (re)established, after ``LISTEN`` is in place, every open
stream is told to catch up from the database (``Hub.catch_up_all``). A cut that
PostgreSQL never reports (a dead network path) is found by a ``SELECT 1`` every
``ping_interval_s``; the connection is then dropped and opened again with back-off,
and every such reconnect (not the first connect) calls ``on_reconnect``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from services.kernel.db import TRANSIENT_DB_ERRORS
from services.kernel.logs import describe_error
from services.kernel.retry import Backoff, wait_for_event
from services.storefront.metrics import StorefrontMetrics
from services.storefront.sse.framing import CHANNEL, decode_announcement
from services.storefront.sse.hub import Hub

log = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[Any]]
# Logged as one line and retried; a missing role or database also counts (the sandbox may
# still be provisioning them when the process starts).
_LINK_ERRORS: tuple[type[Exception], ...] = (
    *TRANSIENT_DB_ERRORS,
    TimeoutError,
    asyncpg.PostgresError,
)


class NotificationListener:
    """Keeps ``LISTEN storefront_events`` open and hands each announcement to the hub."""

    def __init__(
        self,
        connect: Connect,
        hub: Hub,
        *,
        metrics: StorefrontMetrics | None = None,
        on_reconnect: Callable[[], None] | None = None,
        ping_interval_s: float = 5.0,
        ping_timeout_s: float = 2.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._connect = connect
        self._hub = hub
        self._metrics = metrics or StorefrontMetrics()
        self._on_reconnect = on_reconnect
        self._connected_before = False
        self._ping_interval_s = ping_interval_s
        self._ping_timeout_s = ping_timeout_s
        self._backoff = backoff or Backoff(initial_s=0.2, cap_s=2.0)
        self.listening = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until ``stop`` is set, reconnecting after every failure."""
        delays = self._backoff.delays()
        while not stop.is_set():
            try:
                await self._listen_once(stop)
                delays = self._backoff.delays()  # it worked for a while: start over
            except _LINK_ERRORS as exc:
                log.warning("notification listener: %s; reconnecting", describe_error(exc))
            except Exception:
                log.exception("notification listener failed; reconnecting")
            finally:
                self.listening.clear()
                self._metrics.listener_up.set(0)
            if await wait_for_event(stop, next(delays)):
                return

    async def _listen_once(self, stop: asyncio.Event) -> None:
        connection = await self._connect()
        if self._connected_before and self._on_reconnect is not None:
            self._on_reconnect()
        self._connected_before = True
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _conn: lost.set())
            await connection.add_listener(CHANNEL, self._on_notification)
            self.listening.set()
            self._metrics.listener_up.set(1)
            self._hub.catch_up_all()
            while not stop.is_set() and not lost.is_set():
                if await wait_for_event(stop, self._ping_interval_s):
                    return
                async with asyncio.timeout(self._ping_timeout_s):
                    await connection.fetchval("SELECT 1")
            if lost.is_set():
                raise ConnectionResetError("listen connection closed")
        finally:
            await _close(connection)

    def _on_notification(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            announcement = decode_announcement(payload)
        except ValueError as exc:
            log.warning("ignoring a foreign notification: %s", exc)
            return
        self._hub.deliver(announcement)


async def _close(connection: Any) -> None:
    try:
        async with asyncio.timeout(2.0):
            await connection.close()
    except _LINK_ERRORS:
        connection.terminate()
