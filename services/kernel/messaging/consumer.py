"""Consuming ``<service>.inbox``: decode, run the inbox transaction, then ack or dead-letter.

For each delivery (manual ack, up to ``prefetch`` in flight, ``concurrency`` handlers
at once):

1. decode it; poison (see ``envelope.decode``) is dead-lettered at once;
2. run the handler exactly once per message id (``inbox.Inbox``: the inbox row and
   the handler's effects and outgoing messages commit in one transaction);
3. only then ack. A crash or a lost link between commit and ack redelivers the
   message, and step 2 turns the redelivery into a no-op.

Failures: ``PermanentError`` -> dead-letter now; any other exception -> nack with
requeue after a short, growing pause, and on the ``delivery_limit``-th delivery
(the quorum queue's ``x-delivery-count`` says how many came before) dead-letter
instead. Transient database errors are retried in-process first and do not use up
deliveries (see ``Inbox.handle``). On RabbitMQ 3.10 a delivery returned because its
consumer's channel closed (process killed, link cut) also counts (measured).
Dead-lettering publishes the original message, with its error, to the service's
dead-letter queue and waits for the confirm before acking; if that fails, the
message is returned to the queue: it is never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any
from uuid import UUID

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from aio_pika.abc import AbstractRobustConnection as Connection

from services.kernel.logs import describe_error
from services.kernel.messaging.envelope import decode, delivery_count, error_text
from services.kernel.messaging.handlers import (
    ConsumerUnavailable,
    PermanentError,
    PoisonMessage,
)
from services.kernel.messaging.inbox import Inbox
from services.kernel.messaging.metrics import MessagingMetrics
from services.kernel.messaging.options import MessagingOptions
from services.kernel.messaging.publisher import Publisher
from services.kernel.messaging.topology import Topology
from services.kernel.retry import wait_for_event

log = logging.getLogger(__name__)

_REMEMBERED_FAILURES = 10_000


class InboxConsumer:
    """Consumes the service's inbox queue; see the module docstring."""

    def __init__(
        self,
        *,
        topology: Topology,
        inbox: Inbox,
        publisher: Publisher,
        options: MessagingOptions,
        metrics: MessagingMetrics,
    ) -> None:
        self._topology = topology
        self._inbox = inbox
        self._publisher = publisher
        self._options = options
        self._metrics = metrics
        self._slots = asyncio.Semaphore(options.concurrency)
        self._stopping = inbox.stopping
        self._in_flight: set[asyncio.Task[Any]] = set()
        # Failed deliveries seen here, for queues that do not count them (classic queues
        # under the transient-broker defect); bounded, oldest forgotten first.
        self._failures: OrderedDict[UUID, int] = OrderedDict()
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None

    async def start(self, connection: Connection) -> None:
        """Declare the topology on a robust channel and start consuming.

        aio-pika re-declares the queue, its bindings and the consumer after a reconnect.
        """
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self._options.prefetch)
        queue = await self._topology.declare_queues(channel)
        self._tag = await queue.consume(self._on_delivery, no_ack=False)
        self._channel, self._queue = channel, queue

    async def probe(self) -> None:
        """Raise ConsumerUnavailable unless the consumer is registered on an open channel."""
        channel, tag = self._channel, self._tag
        if channel is None or tag is None:
            raise ConsumerUnavailable("not consuming yet")
        if channel.is_closed:
            raise ConsumerUnavailable("consumer channel closed; reconnecting")
        underlay = await channel.get_underlay_channel()
        if tag not in getattr(underlay, "consumers", {}):
            raise ConsumerUnavailable("consumer not registered; recovering")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop taking deliveries, let handlers in flight finish (up to ``grace_s``), close.

        Deliveries not acknowledged by then return to the queue when the channel closes.
        """
        self._stopping.set()
        channel, queue, tag = self._channel, self._queue, self._tag
        self._channel = self._queue = self._tag = None
        if queue is not None and tag is not None and channel is not None and not channel.is_closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await queue.cancel(tag)
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=grace_s)
            for task in pending:
                task.cancel()
        if channel is not None and not channel.is_closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5.0):
                    await channel.close()

    async def _on_delivery(self, incoming: AbstractIncomingMessage) -> None:
        if incoming.redelivered:  # counted on arrival: the inbox may still skip it
            self._metrics.count(self._metrics.redelivered, incoming.type)
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            async with self._slots:
                if self._stopping.is_set():
                    return  # left unacknowledged: returned to the queue when the channel closes
                retry_in = await self._process(incoming)
            if retry_in is not None:
                # Held outside the handler slots, so a failing message does not slow others.
                await wait_for_event(self._stopping, retry_in)
                self._metrics.count(self._metrics.retried, incoming.type)
                await self._settle(incoming.nack(requeue=True), incoming)
        except Exception:
            log.exception("unexpected failure handling %s; it will be redelivered", incoming.type)
            await self._settle(incoming.nack(requeue=True), incoming)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _process(self, incoming: AbstractIncomingMessage) -> float | None:
        """Handle one delivery and settle it, or return the pause before handing it back."""
        try:
            decoded = decode(
                incoming.body,
                message_id=incoming.message_id,
                type_name=incoming.type,
                known=self._inbox.message_types,
            )
        except PoisonMessage as exc:
            await self._dead_letter(incoming, str(exc), reason="poison", attempts=1)
            return None
        earlier = max(delivery_count(incoming.headers), self._failures.get(decoded.message_id, 0))
        attempt = earlier + 1
        try:
            handled = await self._inbox.handle(decoded)
        except PermanentError as exc:
            text = error_text(exc, self._options.error_text_limit)
            await self._dead_letter(incoming, text, reason="permanent", attempts=attempt)
        except Exception as exc:
            text = error_text(exc, self._options.error_text_limit)
            if attempt >= self._options.delivery_limit:
                await self._dead_letter(incoming, text, reason="attempts", attempts=attempt)
                return None
            log.warning(
                "%s %s failed (delivery %d of %d): %s",
                incoming.type, decoded.message_id, attempt, self._options.delivery_limit, text,
            )  # fmt: skip
            self._remember_failure(decoded.message_id, attempt)
            return self._options.redelivery_delay(attempt)
        else:
            self._failures.pop(decoded.message_id, None)
            counter = self._metrics.consumed if handled else self._metrics.duplicates
            self._metrics.count(counter, incoming.type)
            await self._settle(incoming.ack(), incoming)
        return None

    async def _dead_letter(
        self, incoming: AbstractIncomingMessage, error: str, *, reason: str, attempts: int
    ) -> None:
        try:
            await self._publisher.dead_letter(incoming, error, attempts=attempts)
        except Exception as exc:
            log.error(
                "cannot dead-letter %s %s (%s); returning it to the queue",
                incoming.type, incoming.message_id, describe_error(exc),
            )  # fmt: skip
            await self._settle(incoming.nack(requeue=True), incoming)
            return
        log.warning(
            "dead-lettered %s %s to %s (%s): %s",
            incoming.type, incoming.message_id, self._topology.dead_letter_queue, reason, error,
        )  # fmt: skip
        self._metrics.dead_letter(incoming.type, reason)
        with contextlib.suppress(ValueError):
            self._failures.pop(UUID(incoming.message_id or ""), None)
        await self._settle(incoming.ack(), incoming)

    def _remember_failure(self, message_id: UUID, attempt: int) -> None:
        self._failures[message_id] = attempt
        self._failures.move_to_end(message_id)
        while len(self._failures) > _REMEMBERED_FAILURES:
            self._failures.popitem(last=False)

    async def _settle(self, outcome: Awaitable[None], incoming: AbstractIncomingMessage) -> None:
        """Await an ack or nack; if the link is gone the broker redelivers, which is safe."""
        try:
            await outcome
        except Exception as exc:
            log.info(
                "could not settle %s %s (%s); the broker will redeliver it",
                incoming.type, incoming.message_id, describe_error(exc),
            )  # fmt: skip
