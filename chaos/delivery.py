"""Duplicate delivery: every event published during the window reaches its consumers twice.

At-least-once delivery means a consumer may see a message again (an acknowledgement lost
in a connection drop). To make that happen on demand, a tap queue bound to the events
exchange receives a copy of each event, and the harness publishes it again with the same
message id, type and headers (marked so the tap skips its own copies). An idempotent
consumer ignores the second copy; one without an inbox applies it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

EXCHANGES = ("critter.events", "critter.events.transient")  # healthy and transient-broker
MARK = "x-chaos-duplicate"


class DuplicateDelivery:
    def __init__(self, amqp_url: str) -> None:
        self._url = amqp_url
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self.duplicated = 0

    async def apply(self) -> str:
        self._connection = await aio_pika.connect_robust(self._url, timeout=10)
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=50)
        tapped = []
        for name in EXCHANGES:
            probe = await self._connection.channel()
            try:
                await probe.declare_exchange(name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                continue  # this flavour of the topology is not in use
            finally:
                with contextlib.suppress(Exception):
                    await probe.close()
            exchange = await channel.get_exchange(name)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind(exchange, routing_key="#")
            await queue.consume(self._republisher(exchange))
            tapped.append(name)
        if not tapped:
            raise RuntimeError("no events exchange to tap: is the broker provisioned?")
        return f"every event on {', '.join(tapped)} published twice"

    def _republisher(
        self, exchange: aio_pika.abc.AbstractExchange
    ) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
        async def republish(message: AbstractIncomingMessage) -> None:
            async with message.process(requeue=True):
                if message.headers.get(MARK):
                    return
                copy = aio_pika.Message(
                    message.body,
                    message_id=message.message_id,
                    type=message.type,
                    content_type=message.content_type,
                    headers={**message.headers, MARK: 1},
                    delivery_mode=message.delivery_mode or aio_pika.DeliveryMode.PERSISTENT,
                )
                await exchange.publish(copy, routing_key=message.routing_key or "")
                self.duplicated += 1

        return republish

    async def rollback(self) -> None:
        """Stop tapping: the exclusive queue disappears with the connection."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._connection.close(), 10)
            self._connection = None
