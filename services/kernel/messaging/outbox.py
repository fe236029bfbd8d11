"""The transactional outbox: writing rows in the caller's transaction, and the relay.

Writing (``write_outbox``) is one INSERT in the caller's transaction that also
issues ``NOTIFY critter_outbox``; PostgreSQL delivers the notification at
commit, so the relay wakes for committed rows only, and a rolled-back
transaction leaves neither a row nor a wake-up.

The relay (one task per process) repeats batches: in one transaction, delete up
to ``batch_size`` rows ``FOR UPDATE SKIP LOCKED`` (one statement, rows returned),
publish them in id order with confirms, and commit only if every one was
confirmed; otherwise roll back, so the whole batch stays. A broker or network
failure leaves the rows in place to be retried with back-off: the outbox is where
messages wait while the broker is unreachable. A crash between the confirm and the
commit, or a batch only partly confirmed, publishes rows again later (same
``message_id``), which the consumers' inbox absorbs: delivery is at least once.
Several replicas may relay at once: SKIP LOCKED gives each a disjoint batch.

It wakes on a notification (LISTEN on a dedicated connection, not a pooled one,
re-established after it drops, which calls ``on_reconnect``), and also every
``poll_interval_s`` to pick up rows whose notification was missed while the
listener was reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.kernel.errors import BrokerUnavailable
from services.kernel.logs import describe_error
from services.kernel.messaging.envelope import Envelope
from services.kernel.messaging.handlers import MessagingError
from services.kernel.messaging.options import MessagingOptions
from services.kernel.messaging.publisher import Publisher
from services.kernel.messaging.schema import (
    INSERT_OUTBOX,
    NOTIFY_CHANNEL,
    OUTBOX_BACKLOG,
    TAKE_BATCH,
)
from services.kernel.retry import wait_for_event

log = logging.getLogger(__name__)

_LISTENER_CHECK_S = 10.0  # how often an idle listener proves its connection still answers


class RelayStalled(MessagingError):
    """Some rows of a batch were not confirmed by the broker; they stay in the outbox."""


async def write_outbox(connection: Any, envelope: Envelope) -> None:
    """Insert ``envelope`` into the outbox on ``connection`` (in the caller's transaction)."""
    await connection.execute(
        INSERT_OUTBOX,
        envelope.message_id,
        envelope.routing_key,
        envelope.type,
        envelope.body,
        envelope.created_at,
    )


@dataclass(frozen=True)
class OutboxBacklog:
    """Rows waiting in the outbox, and how long the oldest has waited (0 when empty)."""

    depth: int
    oldest_age_s: float


async def outbox_backlog(pool: Any) -> OutboxBacklog:
    """Read the backlog in one query."""
    async with pool.acquire() as connection:
        row = await connection.fetchrow(OUTBOX_BACKLOG)
    return OutboxBacklog(depth=int(row["depth"]), oldest_age_s=float(row["oldest_age_s"]))


class OutboxRelay:
    """Moves committed outbox rows to the broker; see the module docstring."""

    def __init__(
        self,
        *,
        service: str,
        dsn: str,
        pool: Callable[[], Any],
        publisher: Publisher,
        options: MessagingOptions,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        self._service = service
        self._dsn = dsn
        self._pool = pool
        self._publisher = publisher
        self._options = options
        self._on_reconnect = on_reconnect
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[None] | None = None
        self._listen_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._wake.set()  # rows may be waiting from before this process started
        name = f"{self._service}-outbox"
        self._relay_task = asyncio.create_task(self._relay(), name=f"{name}-relay")
        self._listen_task = asyncio.create_task(self._listen(), name=f"{name}-listener")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Let a batch in flight finish (up to ``grace_s``), then stop both tasks."""
        self._stop.set()
        self._wake.set()
        relay, listener = self._relay_task, self._listen_task
        self._relay_task = self._listen_task = None
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        if relay is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(relay), grace_s)
            relay.cancel()
            await asyncio.gather(relay, return_exceptions=True)

    async def relay_once(self) -> int:
        """Run one batch; return how many rows it published and deleted."""
        async with self._pool().acquire() as connection, connection.transaction():
            rows = sorted(
                await connection.fetch(TAKE_BATCH, self._options.batch_size),
                key=lambda row: int(row["id"]),
            )
            if not rows:
                return 0
            if not self._publisher.is_open():  # checked after the claim: idle is not "paused"
                raise BrokerUnavailable(f"publisher channel is not open; {len(rows)}+ waiting")
            envelopes = [
                Envelope(
                    message_id=row["message_id"],
                    routing_key=row["routing_key"],
                    type=row["type"],
                    body=row["body"],
                    source=self._service,
                    created_at=row["created_at"],
                )
                for row in rows
            ]
            outcomes = await self._publisher.publish_all(envelopes)
            errors = [error for error in outcomes if error is not None]
            if errors:  # raised inside the transaction: it rolls back, every row stays
                raise RelayStalled(
                    f"{len(errors)} of {len(rows)} messages not confirmed: "
                    f"{describe_error(errors[0])}"
                ) from errors[0]
        return len(rows)

    async def _relay(self) -> None:
        delays = self._options.backoff.delays()
        failing = False
        while not self._stop.is_set():
            await wait_for_event(self._wake, self._options.poll_interval_s)
            self._wake.clear()
            try:
                while not self._stop.is_set():
                    if await self.relay_once() < self._options.batch_size:
                        break
            except Exception as exc:
                # One warning per outage, not one per retry: a broker restart takes seconds.
                log.log(
                    logging.DEBUG if failing else logging.WARNING,
                    "outbox relay paused: %s; rows stay in the outbox and are retried",
                    describe_error(exc),
                )
                failing = True
                await wait_for_event(self._stop, next(delays))
                self._wake.set()
            else:
                if failing:
                    log.info("outbox relay resumed")
                failing = False
                delays = self._options.backoff.delays()

    async def _listen(self) -> None:
        delays = self._options.backoff.delays()
        connected_before = False
        while not self._stop.is_set():
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    timeout=5.0,
                    server_settings={"application_name": f"{self._service}-outbox-listener"},
                )
            except Exception as exc:
                log.debug("outbox listener cannot connect: %s", describe_error(exc))
                await wait_for_event(self._stop, next(delays))
                continue
            if connected_before and self._on_reconnect is not None:
                self._on_reconnect()
            connected_before = True
            delays = self._options.backoff.delays()
            try:
                await self._listen_on(connection)
            except Exception as exc:
                log.debug("outbox listener lost its connection: %s", describe_error(exc))
            finally:
                connection.terminate()

    async def _listen_on(self, connection: Any) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
        self._wake.set()  # catch up on rows committed while nobody listened
        while not await wait_for_event(lost, _LISTENER_CHECK_S):
            # A link cut without a FIN is only noticed by using it.
            async with asyncio.timeout(5.0):
                await connection.fetchval("SELECT 1")

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()
