"""The broker as the checks see it: how much waits in each queue, and what was dead-lettered.

Counts come from queue declarations (exact, unlike the management API's sampled stats);
dead-lettered messages are listed through the management API with their recorded error.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from urllib.parse import quote

import aio_pika
import httpx

from chaos.target import Target


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    routing_key: str
    type: str
    error: str


def queue_names(target: Target) -> list[str]:
    answer = httpx.get(
        f"{target.management_url}/api/queues/%2Fcritter",
        params={"columns": "name"},
        auth=target.management_auth,
        timeout=10,
    )
    answer.raise_for_status()
    return sorted(str(q["name"]) for q in answer.json())


async def depths(target: Target, names: list[str]) -> dict[str, int]:
    """Ready messages per queue; a queue that vanished counts as empty."""
    found: dict[str, int] = {}
    connection = await aio_pika.connect(target.amqp_url, timeout=10)
    async with connection:
        for name in names:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(name, passive=True)
                found[name] = int(queue.declaration_result.message_count or 0)
            except aio_pika.exceptions.ChannelClosed:
                found[name] = 0
            finally:
                with contextlib.suppress(Exception):
                    await channel.close()
    return found


def is_dead_letter_queue(name: str) -> bool:
    return ".dead-letter" in name


def is_inbox(name: str) -> bool:
    return ".inbox" in name


def dead_letters(target: Target, queue: str, skip: int, limit: int = 25) -> list[DeadLetter]:
    """Messages of ``queue`` after the first ``skip`` (those there before the run)."""
    answer = httpx.post(
        f"{target.management_url}/api/queues/%2Fcritter/{quote(queue, safe='')}/get",
        json={"count": skip + limit, "ackmode": "ack_requeue_true", "encoding": "auto",
              "truncate": 500},
        auth=target.management_auth,
        timeout=20,
    )  # fmt: skip
    answer.raise_for_status()
    letters = []
    for message in answer.json()[skip:]:
        properties = message.get("properties", {})
        headers = properties.get("headers", {}) or {}
        letters.append(
            DeadLetter(
                queue=queue,
                routing_key=str(message.get("routing_key", "")),
                type=str(properties.get("type", "")),
                error=str(headers.get("x-error", "")),
            )
        )
    return letters
