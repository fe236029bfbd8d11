"""Inventory and Payments on a real sandbox, driven the way Orders drives them.

The test publishes Orders' messages (``OrderPlaced``, commit/capture/release/void
requests) straight to ``critter.events`` with the RabbitMQ admin user, listens to every
``inventory.*`` and ``payments.*`` message on a queue of its own, and reads the outcome
through both services' HTTP APIs. "Exactly once" is checked behind a barrier: once the
duplicate requests are recorded in both inboxes, a fresh order is placed; the relay
publishes in commit order, so any answer to a duplicate would arrive before the fresh
order's answers.

Orders itself receives the answers too and dead-letters them (it knows none of these
orders). ``orders_dead_letters_cleaned`` takes exactly those dead letters out again, so
the shared sandbox's dead-letter queues stay empty for other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import aio_pika
import asyncpg
import httpx
import pytest

from services.contracts.messages import (
    BY_TYPE,
    EXCHANGE,
    Address,
    Message,
    OrderLine,
    OrderPlaced,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentCaptureRequested,
    PaymentFailed,
    PaymentVoided,
    PaymentVoidRequested,
    ReservationCommitRequested,
    ReservationCommitted,
    ReservationConfirmed,
    ReservationFailed,
    ReservationReleased,
    ReservationReleaseRequested,
)
from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import admin_url

pytestmark = pytest.mark.sandbox

CEILING_S = 90.0
ANSWER_DEADLINE_S = 20.0
M = TypeVar("M", bound=Message)
OrdersRequest = (
    OrderPlaced
    | ReservationCommitRequested
    | ReservationReleaseRequested
    | PaymentCaptureRequested
    | PaymentVoidRequested
)


@dataclass
class Shop:
    """The test's view of the two services: AMQP in and out, HTTP and SQL to read."""

    sandbox: SandboxHandle
    connection: aio_pika.abc.AbstractConnection
    exchange: aio_pika.abc.AbstractExchange
    inventory: httpx.AsyncClient
    payments: httpx.AsyncClient
    seen: list[Message] = field(default_factory=list)
    orders: set[uuid.UUID] = field(default_factory=set)

    async def send(self, message: OrdersRequest) -> uuid.UUID:
        message_id = uuid.uuid4()
        self.orders.add(message.order_id)
        await self.exchange.publish(
            aio_pika.Message(
                message.model_dump_json(by_alias=True).encode(),
                message_id=str(message_id),
                type=message.type_name(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=message.routing_key(),
        )
        return message_id

    def answers(self, order_id: uuid.UUID, kind: type[M] | None = None) -> list[Message]:
        return [
            m
            for m in self.seen
            if getattr(m, "order_id", None) == order_id and (kind is None or isinstance(m, kind))
        ]

    async def answer(self, order_id: uuid.UUID, kind: type[M]) -> M:
        await eventually(
            lambda: _true(bool(self.answers(order_id, kind))),
            f"{kind.__name__} for order {order_id}",
        )
        found = self.answers(order_id, kind)[0]
        assert isinstance(found, kind)
        return found

    async def handled(self, service: str, *message_ids: uuid.UUID) -> None:
        """Wait until ``service`` has recorded every message id in its inbox."""
        password = self.sandbox.secrets()[f"postgres/{service}"]
        port = self.sandbox.port_base + 1
        conn = await asyncpg.connect(
            f"postgresql://{service}:{password}@127.0.0.1:{port}/{service}"
        )
        try:

            async def recorded() -> bool:
                count = await conn.fetchval(
                    "SELECT count(*) FROM inbox WHERE message_id = ANY($1::uuid[])",
                    list(message_ids),
                )
                return bool(count == len(message_ids))

            await eventually(recorded, f"{service} to handle {len(message_ids)} messages")
        finally:
            await conn.close()

    async def barrier(self) -> None:
        """Place and await a fresh order: answers to anything handled before are in."""
        fresh = order(("BIRD-SEED-MIX", 1))
        await self.send(fresh)
        await self.answer(fresh.order_id, ReservationConfirmed)
        await self.answer(fresh.order_id, PaymentAuthorized)

    async def stock(self, sku: str) -> dict[str, Any]:
        answer = await self.inventory.get(f"/api/inventory/{sku}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def reservations(self, order_id: uuid.UUID) -> dict[str, Any]:
        answer = await self.inventory.get("/api/reservations", params={"orderId": str(order_id)})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def payment(self, order_id: uuid.UUID) -> dict[str, Any]:
        answer = await self.payments.get("/api/payments", params={"orderId": str(order_id)})
        assert answer.status_code == 200, answer.text
        [payment] = answer.json()["payments"]
        return dict(payment)


async def _true(value: bool) -> bool:
    return value


async def eventually(
    condition: Callable[[], Awaitable[bool]], what: str, deadline_s: float = ANSWER_DEADLINE_S
) -> None:
    end = time.monotonic() + deadline_s
    while not await condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def shop(sandbox: SandboxHandle) -> AsyncIterator[Shop]:
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    inventory_port = sandbox.port_base + 22
    payments_port = sandbox.port_base + 23
    async with (
        connection,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{inventory_port}", timeout=10) as inv,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{payments_port}", timeout=10) as pay,
    ):
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE)
        listener = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in ("inventory.*", "payments.*"):
            await listener.bind(exchange, key)
        world = Shop(sandbox, connection, exchange, inv, pay)

        async def collect(delivery: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with delivery.process():
                kind = BY_TYPE.get(delivery.type or "")
                if kind is not None:
                    world.seen.append(kind.model_validate_json(delivery.body))

        await listener.consume(collect)
        try:
            yield world
        finally:
            await orders_dead_letters_cleaned(world)


async def orders_dead_letters_cleaned(world: Shop) -> None:
    """Take the dead letters Orders made of our answers out of ``orders.dead-letter``.

    Orders consumes every answer and dead-letters those of orders it does not know. We
    wait (bounded) until each answer it subscribes to has arrived there, then hold every
    message in the queue unacknowledged, ack ours and requeue the rest untouched.
    """
    ours = [m for m in world.seen if getattr(m, "order_id", None) in world.orders]
    channel = await world.connection.channel()
    try:
        queue = await channel.declare_queue("orders.dead-letter", passive=True)
    except aio_pika.exceptions.ChannelClosed:
        return  # Orders declared no dead-letter queue: nothing to clean
    taken: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def all_ours_parked() -> bool:
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            taken.append(message)
        return sum(_order_id(m) in world.orders for m in taken) >= len(ours)

    with contextlib.suppress(AssertionError):  # Orders may not consume these at all yet
        await eventually(all_ours_parked, "Orders to dead-letter our answers", deadline_s=10)
    for message in taken:
        if _order_id(message) in world.orders:
            await message.ack()
        else:
            await message.nack(requeue=True)
    await channel.close()


def _order_id(message: aio_pika.abc.AbstractIncomingMessage) -> uuid.UUID | None:
    try:
        return uuid.UUID(json.loads(message.body)["orderId"])
    except (ValueError, KeyError, TypeError):
        return None


def order(*lines: tuple[str, int], token: str = "tok_visa") -> OrderPlaced:
    items = [
        OrderLine(
            sku=sku, quantity=qty, unit_price=Decimal("2.50"), line_total=Decimal("2.50") * qty
        )
        for sku, qty in lines
    ]
    return OrderPlaced(
        order_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        line_items=items,
        shipping_address=Address(
            address_line1="1 Main St",
            city="Seattle",
            state_or_province="WA",
            postal_code="98101",
            country="US",
        ),
        shipping_method="Standard",
        payment_method_token=token,
        total_amount=sum((line.line_total for line in items), Decimal("5.99")),
        placed_at=datetime.now(UTC),
    )


def now() -> datetime:
    return datetime.now(UTC)


def run(sandbox: SandboxHandle, scenario: Callable[[Shop], Awaitable[None]]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(CEILING_S), shop(sandbox) as world:
            await scenario(world)

    asyncio.run(bounded())


def test_an_order_is_reserved_authorised_committed_and_captured_exactly_once(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario(shop: Shop) -> None:
        before = {sku: await shop.stock(sku) for sku in ("DOG-BOWL-001", "CAT-TREE-5FT")}
        placed = order(("DOG-BOWL-001", 2), ("CAT-TREE-5FT", 1), ("DOG-BOWL-001", 1))
        await shop.send(placed)
        reserved = await shop.answer(placed.order_id, ReservationConfirmed)
        authorized = await shop.answer(placed.order_id, PaymentAuthorized)
        assert sorted((r.sku, r.quantity) for r in reserved.reservations) == [
            ("CAT-TREE-5FT", 1),
            ("DOG-BOWL-001", 3),
        ]
        assert authorized.amount == placed.total_amount
        bowl = await shop.stock("DOG-BOWL-001")
        assert bowl["reserved"] == before["DOG-BOWL-001"]["reserved"] + 3

        commit = ReservationCommitRequested(order_id=placed.order_id, requested_at=now())
        capture = PaymentCaptureRequested(
            order_id=placed.order_id,
            payment_id=authorized.payment_id,
            amount=placed.total_amount,
            requested_at=now(),
        )
        first = [await shop.send(commit), await shop.send(capture)]
        await shop.answer(placed.order_id, ReservationCommitted)
        captured = await shop.answer(placed.order_id, PaymentCaptured)
        assert captured.amount == placed.total_amount

        again = [await shop.send(commit), await shop.send(capture), await shop.send(placed)]
        await shop.handled("inventory", first[0], again[0], again[2])
        await shop.handled("payments", first[1], again[1], again[2])
        await shop.barrier()
        assert [type(m) for m in shop.answers(placed.order_id)].count(ReservationCommitted) == 1
        assert [type(m) for m in shop.answers(placed.order_id)].count(PaymentCaptured) == 1
        assert len(shop.answers(placed.order_id)) == 4

        for sku, shipped in (("DOG-BOWL-001", 3), ("CAT-TREE-5FT", 1)):
            after = await shop.stock(sku)
            assert after["onHand"] == before[sku]["onHand"] - shipped
            assert after["reserved"] == before[sku]["reserved"]
        recorded = await shop.reservations(placed.order_id)
        assert recorded["status"] == "Committed"
        assert {line["status"] for line in recorded["reservations"]} == {"Committed"}
        payment = await shop.payment(placed.order_id)
        assert (payment["status"], payment["capturedAmount"]) == (
            "Captured",
            f"{placed.total_amount:.2f}",
        )

    run(shared_sandbox, scenario)


def test_declines_shortages_and_early_cancels_are_compensated_once(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario(shop: Shop) -> None:
        before = await shop.stock("FISH-FOOD-FLAKE")

        declined = order(("FISH-FOOD-FLAKE", 2), token="tok_decline")
        await shop.send(declined)
        failed = await shop.answer(declined.order_id, PaymentFailed)
        assert failed.failure_reason == "card_declined"
        await shop.answer(declined.order_id, ReservationConfirmed)
        await shop.send(
            ReservationReleaseRequested(
                order_id=declined.order_id, reason="payment declined", requested_at=now()
            )
        )
        await shop.answer(declined.order_id, ReservationReleased)
        assert (await shop.stock("FISH-FOOD-FLAKE"))["reserved"] == before["reserved"]
        assert (await shop.reservations(declined.order_id))["status"] == "Released"

        short = order(("FISH-FOOD-FLAKE", 1), ("FISH-TANK-20G", 10**8))
        await shop.send(short)
        shortage = await shop.answer(short.order_id, ReservationFailed)
        assert (shortage.sku, shortage.requested_quantity) == ("FISH-TANK-20G", 10**8)
        authorized = await shop.answer(short.order_id, PaymentAuthorized)
        await shop.send(
            PaymentVoidRequested(
                order_id=short.order_id,
                payment_id=authorized.payment_id,
                reason="out of stock",
                requested_at=now(),
            )
        )
        voided = await shop.answer(short.order_id, PaymentVoided)
        assert (voided.amount, voided.refunded) == (short.total_amount, False)
        assert (await shop.payment(short.order_id))["status"] == "Voided"
        assert (await shop.reservations(short.order_id))["reservations"] == []

        early = order(("FISH-FOOD-FLAKE", 1))
        await shop.send(
            ReservationReleaseRequested(
                order_id=early.order_id, reason="timeout", requested_at=now()
            )
        )
        await shop.send(
            PaymentVoidRequested(
                order_id=early.order_id,
                payment_id=uuid.uuid4(),
                reason="timeout",
                requested_at=now(),
            )
        )
        await shop.answer(early.order_id, ReservationReleased)
        await shop.answer(early.order_id, PaymentVoided)
        late = await shop.send(early)
        await shop.handled("inventory", late)
        await shop.handled("payments", late)
        await shop.barrier()
        assert (await shop.reservations(early.order_id))["reservations"] == []
        assert (await shop.payment(early.order_id))["status"] == "Voided"
        assert (await shop.stock("FISH-FOOD-FLAKE"))["reserved"] == before["reserved"]
        assert sorted(type(m).__name__ for m in shop.answers(early.order_id)) == [
            "PaymentVoided",
            "ReservationReleased",
        ]

    run(shared_sandbox, scenario)
