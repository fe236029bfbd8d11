"""Direct (un-proxied) AMQP access for tests, as an operator would have."""

from __future__ import annotations

import asyncio

import aio_pika

from tests.sandbox_control import SandboxHandle

ADMIN = "critter_admin"


def admin_url(sandbox: SandboxHandle) -> str:
    password = sandbox.secrets()["rabbitmq/admin"]
    return f"amqp://{ADMIN}:{password}@127.0.0.1:{sandbox.port_base + 2}/%2Fcritter"


def publish_persistent(sandbox: SandboxHandle, queue: str, body: bytes) -> None:
    """Declare a durable quorum queue and publish one persistent message with a confirm."""

    async def run() -> None:
        connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.declare_queue(queue, durable=True, arguments={"x-queue-type": "quorum"})
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await channel.default_exchange.publish(message, routing_key=queue)

    asyncio.run(run())


def take_one(sandbox: SandboxHandle, queue: str) -> bytes | None:
    """Fetch and acknowledge one message from ``queue``; ``None`` when it is empty."""

    async def run() -> bytes | None:
        connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            message = await declared.get(no_ack=False, fail=False)
            if message is None:
                return None
            await message.ack()
            return message.body

    return asyncio.run(run())
