"""The idempotent inbox: each message id has its handler's effect at most once.

``Inbox.handle`` runs ONE transaction: ``INSERT INTO inbox ... ON CONFLICT DO
NOTHING``; if the id was already recorded it does nothing else; otherwise it calls
the handler with a context whose ``publish`` writes to the outbox on the same
connection; then COMMIT. The inbox row, the handler's writes and its outgoing
messages therefore commit together or not at all. Two deliveries of one id racing
on two replicas serialise on the primary key: the second waits for the first to
commit, then inserts nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from uuid import UUID

import asyncpg

from services.contracts.messages import Message
from services.kernel.db import TRANSIENT_DB_ERRORS
from services.kernel.errors import DependencyUnavailable
from services.kernel.logs import describe_error
from services.kernel.messaging.envelope import Decoded
from services.kernel.messaging.handlers import AnySubscription
from services.kernel.messaging.metrics import MessagingMetrics
from services.kernel.messaging.options import MessagingOptions
from services.kernel.messaging.schema import INBOX_INSERTED, INSERT_INBOX
from services.kernel.retry import wait_for_event

log = logging.getLogger(__name__)

Writer = Callable[[Any, Message], Awaitable[None]]
"""Writes an outgoing message on a connection: ``Messaging.publish``."""

# Worth retrying in-process: the database is unreachable, or PostgreSQL aborted the
# transaction for a concurrency reason (serialization failure, deadlock).
TRANSIENT_HANDLER_ERRORS = (
    *TRANSIENT_DB_ERRORS,
    DependencyUnavailable,
    asyncpg.TransactionRollbackError,
)


class DeliveryContext:
    """The ``HandlerContext`` of one delivery."""

    __slots__ = ("_conn", "_message_id", "_write")

    def __init__(self, conn: Any, message_id: UUID, write: Writer) -> None:
        self._conn = conn
        self._message_id = message_id
        self._write = write

    @property
    def conn(self) -> Any:
        return self._conn

    @property
    def message_id(self) -> UUID:
        return self._message_id

    async def publish(self, message: Message) -> None:
        await self._write(self._conn, message)


class Inbox:
    """Runs the subscribed handlers in the inbox transaction; see the module docstring.

    ``deduplicate=False`` is the ``no-inbox`` defect: no row, so a redelivery runs the
    handler again. ``stopping`` interrupts the pauses between retries at shutdown.
    """

    def __init__(
        self,
        *,
        subscriptions: Mapping[str, AnySubscription],
        pool: Callable[[], Any],
        database_probe: Callable[[], Awaitable[None]],
        write: Writer,
        options: MessagingOptions,
        metrics: MessagingMetrics,
        deduplicate: bool = True,
    ) -> None:
        self._subscriptions = dict(subscriptions)
        self.message_types = {name: sub.message_type for name, sub in subscriptions.items()}
        self._pool = pool
        self._database_probe = database_probe
        self._write = write
        self._options = options
        self._metrics = metrics
        self._deduplicate = deduplicate
        self.stopping = asyncio.Event()

    async def handle(self, decoded: Decoded) -> bool:
        """True if the handler ran and committed, False if the id was already recorded.

        A transient database error is retried in-process without using up a delivery:
        indefinitely while the database does not answer (an outage must not push healthy
        messages into the dead-letter queue), at most ``transient_retries`` times while it
        does (then it is an ordinary failure, e.g. a handler that keeps deadlocking).
        Any other exception propagates after the rollback.
        """
        delays = self._options.backoff.delays()
        retries = 0
        while True:
            try:
                return await self._transaction(decoded)
            except TRANSIENT_HANDLER_ERRORS as exc:
                if self.stopping.is_set():
                    raise
                if await self._database_answers():
                    retries += 1
                    if retries > self._options.transient_retries:
                        raise
                log.info("handling %s paused: %s", decoded.message_id, describe_error(exc))
                self._metrics.count(self._metrics.paused, decoded.message.type_name())
                await wait_for_event(self.stopping, next(delays))

    async def _transaction(self, decoded: Decoded) -> bool:
        type_name = decoded.message.type_name()
        async with self._pool().acquire() as connection, connection.transaction():
            if self._deduplicate:
                status = await connection.execute(INSERT_INBOX, decoded.message_id, type_name)
                if status != INBOX_INSERTED:
                    return False
            context = DeliveryContext(connection, decoded.message_id, self._write)
            await self._subscriptions[type_name].handler(context, decoded.message)
        return True

    async def _database_answers(self) -> bool:
        try:
            await self._database_probe()
        except Exception:
            return False
        return True
