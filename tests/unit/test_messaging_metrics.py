"""Messaging and link counters: redeliveries counted on arrival, and reconnects of the
broker connection and of the outbox relay's LISTEN connection (never the first connect).

The consumer runs on fake channel, queue and inbox pool objects; the broker and the
listener get fake connections where the network library would open real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import aio_pika
import asyncpg
import pytest

from services.contracts.messages import CartCleared
from services.kernel.bus import Broker
from services.kernel.messaging import HandlerContext, MessagingMetrics, MessagingOptions
from services.kernel.messaging.consumer import InboxConsumer
from services.kernel.messaging.handlers import Subscription
from services.kernel.messaging.inbox import Inbox
from services.kernel.messaging.outbox import OutboxRelay
from services.kernel.messaging.publisher import Publisher
from services.kernel.messaging.schema import INBOX_INSERTED, TAKE_BATCH
from services.kernel.messaging.topology import Topology
from services.kernel.retry import Backoff

FAST = Backoff(initial_s=0.001, cap_s=0.001)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(10):
            await scenario()

    asyncio.run(bounded())


# -- the consumer ----------------------------------------------------------------------------


class FakeInboxDatabase:
    """A pool whose connections record inbox ids (the primary key) and relay nothing."""

    def __init__(self) -> None:
        self.inbox: set[UUID] = set()

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[FakeInboxDatabase]:
        yield self

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def execute(self, _sql: str, message_id: UUID, _type_name: str) -> str:
        if message_id in self.inbox:
            return "INSERT 0 0"
        self.inbox.add(message_id)
        return INBOX_INSERTED

    async def fetch(self, sql: str, _limit: int) -> list[object]:
        assert sql == TAKE_BATCH
        return []


class FakeQueue:
    def __init__(self) -> None:
        self.deliver: Callable[[Any], Coroutine[Any, Any, None]] | None = None

    async def bind(self, _exchange: object, _routing_key: str) -> None:
        pass

    async def consume(self, callback: Any, *, no_ack: bool) -> str:
        assert not no_ack
        self.deliver = callback
        return "consumer-tag"

    async def cancel(self, _tag: str) -> None:
        pass


class FakeChannel:
    """The calls ``Topology.declare_queues`` and ``InboxConsumer`` make on a channel."""

    def __init__(self) -> None:
        self.inbox = FakeQueue()
        self.is_closed = False

    async def channel(self, *, publisher_confirms: bool) -> FakeChannel:
        return self  # doubles as the connection

    async def set_qos(self, *, prefetch_count: int) -> None:
        pass

    async def declare_exchange(self, _name: str, _kind: object, **_flags: object) -> object:
        return object()

    async def declare_queue(self, name: str, **_flags: object) -> FakeQueue:
        return self.inbox if name.endswith(".inbox") else FakeQueue()

    async def close(self) -> None:
        self.is_closed = True


class FakeDelivery:
    def __init__(self, message: CartCleared, message_id: UUID, *, redelivered: bool) -> None:
        self.body = message.model_dump_json(by_alias=True).encode()
        self.message_id = str(message_id)
        self.type = message.type_name()
        self.headers: dict[str, object] = {}
        self.redelivered = redelivered
        self.settled: list[str] = []

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nack(self, *, requeue: bool) -> None:
        self.settled.append("requeue" if requeue else "drop")


class ParkingPublisher:
    """Stands in for the publisher: only dead-lettering is used by the consumer."""

    def __init__(self) -> None:
        self.parked: list[str | None] = []

    async def dead_letter(self, incoming: FakeDelivery, _error: str, *, attempts: int) -> None:
        self.parked.append(incoming.type)


def cleared() -> CartCleared:
    return CartCleared(
        cart_id=uuid4(), customer_id=None, reason="test", cleared_at=datetime.now(UTC)
    )


def test_redeliveries_are_counted_on_arrival_whatever_the_inbox_decides() -> None:
    metrics = MessagingMetrics()
    handled: list[CartCleared] = []

    async def handler(_ctx: HandlerContext, message: CartCleared) -> None:
        handled.append(message)

    type_name = CartCleared.type_name()
    options = MessagingOptions()
    database = FakeInboxDatabase()
    inbox = Inbox(
        subscriptions={type_name: Subscription(CartCleared, handler)},
        pool=lambda: database,
        database_probe=lambda: asyncio.sleep(0),
        write=lambda _conn, _message: asyncio.sleep(0),
        options=options,
        metrics=metrics,
    )
    publisher = ParkingPublisher()
    consumer = InboxConsumer(
        topology=Topology("storefront", (CartCleared.routing_key(),)),
        inbox=inbox,
        publisher=cast(Publisher, publisher),
        options=options,
        metrics=metrics,
    )
    channel = FakeChannel()
    message, message_id = cleared(), uuid4()
    poison = FakeDelivery(cleared(), uuid4(), redelivered=True)
    poison.body = b"{not json"

    async def scenario() -> None:
        await consumer.start(cast(Any, channel))
        deliver = channel.inbox.deliver
        assert deliver is not None
        first = FakeDelivery(message, message_id, redelivered=False)
        again = FakeDelivery(message, message_id, redelivered=True)  # e.g. the ack was lost
        for delivery in (first, again, poison):
            await deliver(delivery)
            assert delivery.settled == ["ack"]
        await consumer.stop()

    run(scenario)
    assert handled == [message]
    assert database.inbox == {message_id}
    assert publisher.parked == [type_name]
    assert metrics.value("messaging_redelivered_total", type=type_name) == 2.0
    assert metrics.value("messaging_consumed_total", type=type_name) == 1.0
    assert metrics.value("messaging_duplicates_total", type=type_name) == 1.0
    assert metrics.value("messaging_dead_lettered_total", type=type_name, reason="poison") == 1.0


def test_the_outbox_backlog_gauges_are_set_together() -> None:
    metrics = MessagingMetrics()
    metrics.set_outbox_backlog(7, 42.5)
    assert metrics.value("messaging_outbox_depth") == 7.0
    assert metrics.value("messaging_outbox_oldest_age_seconds") == 42.5
    metrics.set_outbox_backlog(0, 0.0)
    assert metrics.value("messaging_outbox_oldest_age_seconds") == 0.0


# -- the outbox relay's listener -------------------------------------------------------------


class FakeListenConnection:
    """What the relay's listener uses of an asyncpg connection."""

    def __init__(self) -> None:
        self.on_terminate: Callable[[object], None] | None = None
        self.listening = asyncio.Event()

    def add_termination_listener(self, callback: Callable[[object], None]) -> None:
        self.on_terminate = callback

    async def add_listener(self, _channel: str, _callback: object) -> None:
        self.listening.set()

    async def fetchval(self, _sql: str) -> int:
        return 1

    def terminate(self) -> None:
        pass


def test_the_outbox_listener_counts_reconnects_but_not_its_first_connect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[FakeListenConnection] = []
    attempts: list[int] = []
    reconnects: list[int] = []

    async def connect(_dsn: str, **_options: object) -> FakeListenConnection:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 2:
            raise ConnectionRefusedError("database restarting")
        opened.append(FakeListenConnection())
        return opened[-1]

    monkeypatch.setattr(asyncpg, "connect", connect)  # the network boundary
    empty_outbox = FakeInboxDatabase()
    relay = OutboxRelay(
        service="orders",
        dsn="postgresql://orders@127.0.0.1:1/orders",
        pool=lambda: empty_outbox,
        publisher=cast(Publisher, None),  # never reached: the outbox stays empty
        options=MessagingOptions(backoff=FAST),
        on_reconnect=lambda: reconnects.append(len(opened)),
    )

    async def scenario() -> None:
        relay.start()
        try:
            while not opened:
                await asyncio.sleep(0)
            await opened[0].listening.wait()
            assert reconnects == []  # the first connect is not a reconnect
            assert opened[0].on_terminate is not None
            opened[0].on_terminate(opened[0])  # the database went away
            while len(opened) < 2:
                await asyncio.sleep(0)
            await opened[1].listening.wait()
        finally:
            await relay.stop()

    run(scenario)
    assert attempts == [1, 2, 3]  # one failed attempt in between, not counted
    assert reconnects == [2]


# -- the broker connection -------------------------------------------------------------------


class FakeRobustConnection:
    """What ``Broker`` uses of ``aio_pika.RobustConnection``; the test drives its link."""

    def __init__(self, _url: object, **_options: object) -> None:
        self.connected = asyncio.Event()
        self.is_closed = False
        self.close_callbacks: set[Callable[..., None]] = set()
        self.reconnect_callbacks: set[Callable[..., None]] = set()

    async def connect(self, timeout: float | None = None) -> None:
        self.connected.set()

    async def close(self) -> None:
        self.is_closed = True

    def lose_link(self) -> None:
        self.connected.clear()
        for callback in list(self.close_callbacks):
            callback(self, ConnectionResetError("link cut"))

    def recover(self) -> None:  # as aio-pika after a successful reconnect
        self.connected.set()
        for callback in list(self.reconnect_callbacks):
            callback(self)


def test_the_broker_counts_each_recovery_but_not_its_first_connect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(aio_pika, "RobustConnection", FakeRobustConnection)
    recoveries: list[bool] = []
    broker = Broker(
        "amqp://orders:pw@127.0.0.1:1/%2Fcritter",
        connection_name="orders",
        on_reconnect=lambda: recoveries.append(broker.is_connected()),
    )

    async def scenario() -> None:
        broker.start()
        try:
            while not broker.is_connected():
                await asyncio.sleep(0)
            assert recoveries == []
            link = cast(FakeRobustConnection, broker.connection)
            for _ in range(2):
                link.lose_link()
                assert not broker.is_connected()
                link.recover()
        finally:
            await broker.close()

    run(scenario)
    assert recoveries == [True, True]
