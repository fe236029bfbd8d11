"""Exchanges and queues of one service in the ``/critter`` vhost, and their declaration.

Healthy layout (every declaration idempotent, so replicas and restarts may repeat it):

* ``critter.events``: durable topic exchange every message is published to;
* ``critter.dead-letter``: durable topic exchange for failed messages;
* ``<service>.inbox``: quorum queue bound to the routing key of each subscribed
  type, shared by all replicas of the service, with ``x-delivery-limit`` (the
  broker's own backstop; the consumer dead-letters one delivery earlier, with the
  error attached), and dead-lettering ``at-least-once`` to ``critter.dead-letter``
  under the key ``<service>.dead-letter`` (that strategy requires
  ``x-overflow: reject-publish``);
* ``<service>.dead-letter``: quorum queue bound to that key.

Under the ``transient-broker`` defect every name gets a ``.transient`` suffix (a
durable queue cannot be re-declared non-durable, and the broker's data persists
across ``sandbox down``/``up``), exchanges and queues are non-durable, queues are
classic, and nothing survives a broker restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue, ExchangeType

from services.contracts.messages import DEAD_LETTER_EXCHANGE, EXCHANGE, Message

TRANSIENT_SUFFIX = ".transient"


@dataclass(frozen=True)
class Topology:
    """The names and arguments of one service's part of the broker."""

    service: str
    routing_keys: tuple[str, ...] = ()
    transient: bool = False
    delivery_limit: int = 5

    @property
    def durable(self) -> bool:
        return not self.transient

    @property
    def exchange(self) -> str:
        return self._name(EXCHANGE)

    @property
    def dead_letter_exchange(self) -> str:
        return self._name(DEAD_LETTER_EXCHANGE)

    @property
    def inbox_queue(self) -> str:
        return self._name(f"{self.service}.inbox")

    @property
    def dead_letter_queue(self) -> str:
        return self._name(f"{self.service}.dead-letter")

    @property
    def dead_letter_routing_key(self) -> str:
        return f"{self.service}.dead-letter"

    def inbox_arguments(self) -> dict[str, str | int]:
        dead_lettering: dict[str, str | int] = {
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": self.dead_letter_routing_key,
        }
        if self.transient:
            return dead_lettering
        return {
            "x-queue-type": "quorum",
            **dead_lettering,
            "x-delivery-limit": self.delivery_limit,
            "x-overflow": "reject-publish",
            "x-dead-letter-strategy": "at-least-once",
        }

    def dead_letter_arguments(self) -> dict[str, str | int]:
        return {} if self.transient else {"x-queue-type": "quorum"}

    async def declare_exchanges(
        self, channel: AbstractChannel
    ) -> tuple[AbstractExchange, AbstractExchange]:
        """Declare (events, dead-letter) exchanges on ``channel``; return both."""
        events = await channel.declare_exchange(
            self.exchange, ExchangeType.TOPIC, durable=self.durable, auto_delete=False
        )
        dead_letter = await channel.declare_exchange(
            self.dead_letter_exchange, ExchangeType.TOPIC, durable=self.durable, auto_delete=False
        )
        return events, dead_letter

    async def declare_queues(self, channel: AbstractChannel) -> AbstractQueue:
        """Declare both exchanges, the dead-letter queue and the bound inbox; return the inbox.

        On a robust channel aio-pika repeats all of it after a reconnect.
        """
        events, dead_letter = await self.declare_exchanges(channel)
        parked = await self._queue(channel, self.dead_letter_queue, self.dead_letter_arguments())
        await parked.bind(dead_letter, self.dead_letter_routing_key)
        inbox = await self._queue(channel, self.inbox_queue, self.inbox_arguments())
        for routing_key in self.routing_keys:
            await inbox.bind(events, routing_key)
        return inbox

    async def _queue(
        self, channel: AbstractChannel, name: str, arguments: dict[str, str | int]
    ) -> AbstractQueue:
        return await channel.declare_queue(
            name, durable=self.durable, auto_delete=False, arguments=dict(arguments)
        )

    def _name(self, base: str) -> str:
        return f"{base}{TRANSIENT_SUFFIX}" if self.transient else base


def routing_keys_of(message_types: Sequence[type[Message]]) -> tuple[str, ...]:
    """Distinct routing keys of ``message_types``, in order."""
    return tuple(dict.fromkeys(message_type.routing_key() for message_type in message_types))
