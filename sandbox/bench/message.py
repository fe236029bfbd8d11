"""The `message` unit: persistent ~500-byte messages published with publisher confirms and
consumed with a manual ack, through a scratch quorum queue (the kind the system uses) in the
sandbox's vhost. The cost is per message, publish and consume together, counting the bench
process and RabbitMQ's process tree."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from sandbox.bench.budget import Budget
from sandbox.bench.cpu import Part, own_process, sample, used_between
from sandbox.bench.result import UnitResult

PUBLISHERS = 32  # confirmed publishes in flight on one channel, as the outbox relay batches them
PREFETCH = 32  # the services' consumer prefetch
DRAIN_DEADLINE_S = 30.0  # for the consumer to catch up once publishing has stopped
CONNECT_TIMEOUT_S = 10.0
BODY = json.dumps({"event": "bench", "padding": "x" * 460}).encode()  # about 500 bytes


class _Consumer:
    """Acks every delivery and says when it has seen as many as were published."""

    def __init__(self) -> None:
        self.consumed = 0
        self.expected: int | None = None
        self.caught_up = asyncio.Event()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        await message.ack()
        self.consumed += 1
        self._check()

    def publishing_ended(self, published: int) -> None:
        self.expected = published
        self._check()

    def _check(self) -> None:
        if self.expected is not None and self.consumed >= self.expected:
            self.caught_up.set()


async def _publish_until_spent(
    exchange: aio_pika.abc.AbstractExchange, queue: str, budget: Budget
) -> None:
    while budget.take():
        message = aio_pika.Message(
            BODY, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, content_type="application/json"
        )
        await exchange.publish(message, routing_key=queue)


async def measure_messages(
    amqp_url: str, rabbitmq_pid: int, seconds: float, max_count: int
) -> UnitResult:
    queue_name = f"bench-scratch-{uuid.uuid4().hex[:12]}"
    publishing = await aio_pika.connect(amqp_url, timeout=CONNECT_TIMEOUT_S)
    try:
        consuming = await aio_pika.connect(amqp_url, timeout=CONNECT_TIMEOUT_S)
        try:
            return await _measure(
                publishing, consuming, queue_name, rabbitmq_pid, seconds, max_count
            )
        finally:
            await consuming.close()
    finally:
        try:
            cleanup = await publishing.channel(publisher_confirms=False)
            await cleanup.queue_delete(queue_name)
        finally:
            await publishing.close()


async def _measure(
    publishing: aio_pika.abc.AbstractConnection,
    consuming: aio_pika.abc.AbstractConnection,
    queue_name: str,
    rabbitmq_pid: int,
    seconds: float,
    max_count: int,
) -> UnitResult:
    channel = await consuming.channel(publisher_confirms=False)
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.declare_queue(
        queue_name, durable=True, arguments={"x-queue-type": "quorum"}
    )
    exchange = (await publishing.channel(publisher_confirms=True)).default_exchange
    consumer = _Consumer()
    parts = [own_process(), Part("rabbitmq", rabbitmq_pid)]
    before = sample(parts)
    budget = Budget(seconds, max_count)
    await queue.consume(consumer.on_message, no_ack=False)
    await asyncio.gather(
        *(_publish_until_spent(exchange, queue_name, budget) for _ in range(PUBLISHERS))
    )
    consumer.publishing_ended(budget.count)
    try:
        await asyncio.wait_for(consumer.caught_up.wait(), DRAIN_DEADLINE_S)
    except TimeoutError:
        raise TimeoutError(
            f"only {consumer.consumed} of {budget.count} messages came back within "
            f"{DRAIN_DEADLINE_S:.0f} s"
        ) from None
    elapsed, after = budget.elapsed(), sample(parts)
    cpu_ms = {part: used * 1000 for part, used in used_between(before, after).items()}
    return UnitResult("message", budget.count, elapsed, cpu_ms)
