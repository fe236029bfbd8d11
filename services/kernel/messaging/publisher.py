"""Publishing to the broker with confirms: outbox envelopes and dead-lettered deliveries.

One robust channel per process (aio-pika reopens it and re-declares its exchanges
after a reconnect). ``publish`` returns only once the broker has confirmed the
message, i.e. taken responsibility for it (for a persistent message routed to
quorum queues: written to a majority). Callers treat any exception as "not sent"
and keep their copy: the relay keeps the outbox row, the consumer does not ack.

Unroutable messages are published ``mandatory``: the broker returns them (then
confirms), which is logged at debug level and otherwise treated as sent, because
a topic with no subscriber yet is normal here, not an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)
from aiormq.abc import DeliveredMessage

from services.kernel.errors import BrokerUnavailable
from services.kernel.messaging.envelope import (
    DELIVERY_COUNT_HEADER,
    ERROR_HEADER,
    FAILED_SERVICE_HEADER,
    ORIGINAL_EXCHANGE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    Envelope,
    delivery_mode,
)
from services.kernel.messaging.metrics import MessagingMetrics
from services.kernel.messaging.topology import Topology

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-attempts"


class Publisher:
    """Sends to the events and dead-letter exchanges of ``topology``."""

    def __init__(
        self,
        topology: Topology,
        metrics: MessagingMetrics,
        *,
        confirms: bool = True,
        timeout_s: float = 10.0,
    ) -> None:
        self._topology = topology
        self._metrics = metrics
        self._confirms = confirms
        self._persistent = topology.durable
        self._timeout_s = timeout_s
        self._channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None
        self._dead_letter: AbstractExchange | None = None

    async def open(self, connection: AbstractRobustConnection) -> None:
        """Open the channel and declare the exchanges (idempotent)."""
        channel = await connection.channel(publisher_confirms=self._confirms)
        self._events, self._dead_letter = await self._topology.declare_exchanges(channel)
        self._channel = channel

    def is_open(self) -> bool:
        return self._channel is not None and not self._channel.is_closed

    async def publish(self, envelope: Envelope) -> None:
        """Publish one envelope; return after the broker's confirm (raise if none came)."""
        exchange = self._exchange(self._events)
        message = envelope.to_amqp(persistent=self._persistent)
        async with asyncio.timeout(self._timeout_s):
            result = await exchange.publish(message, envelope.routing_key, mandatory=True)
        if isinstance(result, DeliveredMessage):
            log.debug("no queue bound to %s; %s dropped", envelope.routing_key, envelope.type)
        self._metrics.count(self._metrics.published, envelope.type)

    async def publish_all(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
        """Publish concurrently on the one channel (the confirms of a batch overlap instead
        of costing a round trip each); the outcome of each envelope, in order."""
        results = await asyncio.gather(
            *(self.publish(envelope) for envelope in envelopes), return_exceptions=True
        )
        return [result if isinstance(result, BaseException) else None for result in results]

    async def dead_letter(
        self, incoming: AbstractIncomingMessage, error: str, *, attempts: int
    ) -> None:
        """Park ``incoming`` unchanged (body, id, type) in the service's dead-letter queue,
        with why and where it failed in headers; return after the broker's confirm."""
        exchange = self._exchange(self._dead_letter)
        headers = {k: v for k, v in incoming.headers.items() if k != DELIVERY_COUNT_HEADER}
        headers.update(
            {
                ERROR_HEADER: error,
                ORIGINAL_ROUTING_KEY_HEADER: incoming.routing_key or "",
                ORIGINAL_EXCHANGE_HEADER: incoming.exchange or "",
                FAILED_SERVICE_HEADER: self._topology.service,
                ATTEMPTS_HEADER: attempts,
            }
        )
        message = aio_pika.Message(
            incoming.body,
            headers=headers,
            message_id=incoming.message_id,
            type=incoming.type,
            content_type=incoming.content_type,
            timestamp=incoming.timestamp,
            delivery_mode=delivery_mode(persistent=self._persistent),
        )
        async with asyncio.timeout(self._timeout_s):
            await exchange.publish(message, self._topology.dead_letter_routing_key, mandatory=True)

    async def close(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None and not channel.is_closed:
            try:
                async with asyncio.timeout(5.0):
                    await channel.close()
            except Exception as exc:  # closing is best effort: the connection closes next
                log.debug("publisher channel close failed: %r", exc)

    def _exchange(self, exchange: AbstractExchange | None) -> AbstractExchange:
        # Fail fast instead of letting aio-pika wait for a reconnect inside publish().
        if exchange is None or not self.is_open():
            raise BrokerUnavailable("publisher channel is not open")
        return exchange
