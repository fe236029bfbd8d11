"""Names, queue arguments, defect switches and options of the messaging layer (no I/O)."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest

from services.contracts.messages import (
    DEAD_LETTER_EXCHANGE,
    EXCHANGE,
    Message,
    OrderPlaced,
    ReservationCommitRequested,
)
from services.kernel.errors import MigrationError
from services.kernel.messaging import (
    Defects,
    HandlerContext,
    Messaging,
    MessagingError,
    MessagingOptions,
    Subscription,
    Topology,
)
from services.kernel.messaging.schema import MESSAGING_MIGRATIONS
from services.kernel.messaging.testing import RecordingContext
from services.kernel.messaging.topology import routing_keys_of
from services.kernel.migrations import Migration, MigrationPlan


class Ping(Message):
    SOURCE: ClassVar[str] = "unit"
    n: int


async def on_ping(ctx: HandlerContext, message: Ping) -> None:
    await ctx.publish(Ping(n=message.n + 1))


def test_healthy_topology_is_durable_quorum_with_dead_lettering() -> None:
    topology = Topology("inventory", ("orders.OrderPlaced",), delivery_limit=5)
    assert (topology.exchange, topology.dead_letter_exchange) == (EXCHANGE, DEAD_LETTER_EXCHANGE)
    assert topology.inbox_queue == "inventory.inbox"
    assert topology.dead_letter_queue == "inventory.dead-letter"
    assert topology.durable
    assert topology.inbox_arguments() == {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "critter.dead-letter",
        "x-dead-letter-routing-key": "inventory.dead-letter",
        "x-delivery-limit": 5,
        "x-overflow": "reject-publish",
        "x-dead-letter-strategy": "at-least-once",
    }
    assert topology.dead_letter_arguments() == {"x-queue-type": "quorum"}


def test_transient_broker_topology_uses_other_names_and_classic_queues() -> None:
    topology = Topology("inventory", transient=True)
    assert not topology.durable
    assert topology.exchange == "critter.events.transient"
    assert topology.inbox_queue == "inventory.inbox.transient"
    assert topology.dead_letter_queue == "inventory.dead-letter.transient"
    assert topology.dead_letter_routing_key == "inventory.dead-letter"
    assert topology.inbox_arguments() == {
        "x-dead-letter-exchange": "critter.dead-letter.transient",
        "x-dead-letter-routing-key": "inventory.dead-letter",
    }
    assert topology.dead_letter_arguments() == {}


def test_routing_keys_are_distinct_and_ordered() -> None:
    keys = routing_keys_of([OrderPlaced, ReservationCommitRequested, OrderPlaced])
    assert keys == ("orders.OrderPlaced", "orders.ReservationCommitRequested")


def test_defects_pick_only_messaging_switches() -> None:
    defects = Defects.from_names(["no-inbox", "global-sse", "transient-broker"])
    assert defects == Defects(transient_broker=True, no_inbox=True, no_outbox=False)
    assert defects.names() == ["no-inbox", "transient-broker"]
    assert Defects.from_names([]).names() == []


def test_messaging_applies_defects_and_subscriptions_to_its_topology() -> None:
    messaging = Messaging("unit", [Subscription(Ping, on_ping)])
    assert messaging.topology.routing_keys == ("unit.Ping",)
    assert messaging.topology.durable
    messaging.configure(defects=frozenset({"transient-broker"}))
    assert messaging.topology.inbox_queue == "unit.inbox.transient"


def test_a_type_can_be_subscribed_once() -> None:
    with pytest.raises(MessagingError, match="subscribes to Ping twice"):
        Messaging("unit", [Subscription(Ping, on_ping), Subscription(Ping, on_ping)])


def test_publish_outside_a_transaction_is_refused() -> None:
    class Autocommit:
        def is_in_transaction(self) -> bool:
            return False

    with pytest.raises(MessagingError, match="inside a transaction"):
        asyncio.run(Messaging("unit").publish(Autocommit(), Ping(n=1)))


def test_recording_context_captures_what_a_handler_publishes() -> None:
    ctx = RecordingContext()
    asyncio.run(on_ping(ctx, Ping(n=1)))
    assert ctx.published == [Ping(n=2)]


def test_redelivery_pauses_grow_to_a_cap() -> None:
    options = MessagingOptions()
    delays = [options.redelivery_delay(attempt) for attempt in range(1, 8)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0])
    assert options.redelivery_delay(10_000) == 2.0


@pytest.mark.parametrize(
    "bad", [{"prefetch": 0}, {"concurrency": 0}, {"delivery_limit": 0}, {"poll_interval_s": 0}]
)
def test_options_refuse_nonsense(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="invalid messaging options"):
        MessagingOptions(**bad)  # type: ignore[arg-type]


def test_messaging_migrations_keep_their_own_history() -> None:
    assert MESSAGING_MIGRATIONS.history_table == "schema_migrations_messaging"
    plain = MigrationPlan([Migration(1, "one", "SELECT 1")])
    assert plain.history_table == "schema_migrations"
    with pytest.raises(MigrationError, match="invalid migration namespace"):
        MigrationPlan([], namespace="drop table; --")
