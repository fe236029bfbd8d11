"""Orders' message handlers and saga deadline watch, on the in-memory unit of work.

A small fake ``HandlerContext`` stands in for the messaging layer's inbox
transaction: its ``publish`` collects what a handler sends.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from prometheus_client import CollectorRegistry

from services.contracts.messages import (
    Address,
    CartLine,
    CheckoutInitiated,
    FulfillmentRequested,
    Message,
    OrderStatusChanged,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentCaptureRequested,
    ReservationCommitRequested,
    ReservationCommitted,
    ReservationConfirmed,
    ReservationReleaseRequested,
    ReservedLine,
)
from services.kernel.messaging import HandlerContext, PermanentError
from services.kernel.messaging.testing import RecordingContext
from services.orders.checkout import ShippingChoice
from services.orders.handlers import ANONYMOUS, OrderHandlers
from services.orders.memory import MemoryUnitOfWorkFactory
from services.orders.metrics import OrdersMetrics
from services.orders.order import OrderStatus
from services.orders.ports import UnitOfWork
from services.orders.timeouts import SagaDeadlineWatch
from services.orders.wizard import AddressGiven, CheckoutChanges, complete_checkout

T0 = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
CUSTOMER = uuid4()
PAYMENT = uuid4()
ADDRESS = Address(
    address_line1="1 Road", city="Seattle", state_or_province="WA", postal_code="1", country="US"
)


class World:
    """The in-memory stores, a clock, and the handlers bound to them."""

    def __init__(self) -> None:
        self.now = T0
        self.units = MemoryUnitOfWorkFactory(clock=lambda: self.now)
        self.metrics = OrdersMetrics()
        self.registry = CollectorRegistry()
        self.metrics.register(self.registry)
        self.handlers = OrderHandlers(now=lambda: self.now, metrics=self.metrics, bind=self._bind)

    def _bind(self, ctx: HandlerContext) -> UnitOfWork:
        return UnitOfWork(self.units.checkouts, self.units.orders, ctx.publish)

    async def deliver(self, message: Message) -> list[Message]:
        ctx = RecordingContext()
        subscription = next(
            s for s in self.handlers.subscriptions() if isinstance(message, s.message_type)
        )
        await subscription.handler(ctx, message)
        return ctx.published

    async def place_order(self) -> UUID:
        checkout_id = uuid4()
        await self.deliver(initiated(checkout_id, CUSTOMER))
        changes = CheckoutChanges(
            AddressGiven(ADDRESS, owner=CUSTOMER), ShippingChoice.priced("Standard", None), "tok"
        )
        completion = await complete_checkout(
            self.units, checkout_id, changes, new_order_id=uuid4, now=lambda: self.now
        )
        return completion.order_id


def initiated(checkout_id: UUID, customer: UUID | None) -> CheckoutInitiated:
    return CheckoutInitiated(
        checkout_id=checkout_id,
        cart_id=uuid4(),
        customer_id=customer,
        items=[CartLine(sku="DOG-BOWL-001", quantity=1, unit_price=Decimal("19.99"))],
        initiated_at=T0,
    )


def reserved(order_id: UUID) -> ReservationConfirmed:
    line = ReservedLine(
        reservation_id=uuid4(), sku="DOG-BOWL-001", warehouse_id="WH-01", quantity=1
    )
    return ReservationConfirmed(order_id=order_id, reservations=[line], reserved_at=T0)


def authorized(order_id: UUID) -> PaymentAuthorized:
    return PaymentAuthorized(
        payment_id=PAYMENT,
        order_id=order_id,
        amount=Decimal("25.98"),
        authorization_id="a",
        authorized_at=T0,
        expires_at=T0 + timedelta(days=7),
    )


def test_checkout_initiated_opens_the_checkout_once() -> None:
    async def scenario() -> None:
        world = World()
        checkout_id = uuid4()
        await world.deliver(initiated(checkout_id, CUSTOMER))
        await world.deliver(initiated(checkout_id, uuid4()))  # a duplicate changes nothing
        checkout = world.units.checkouts.checkouts[checkout_id]
        assert checkout.customer_id == CUSTOMER
        assert checkout.subtotal == Decimal("19.99")

        anonymous = uuid4()
        await world.deliver(initiated(anonymous, ANONYMOUS))
        assert world.units.checkouts.checkouts[anonymous].customer_id is None

    asyncio.run(scenario())


def test_the_saga_runs_through_the_handlers_and_persists_its_history() -> None:
    async def scenario() -> None:
        world = World()
        order_id = await world.place_order()
        assert await world.deliver(reserved(order_id)) != []
        sent = await world.deliver(authorized(order_id))
        assert [type(m) for m in sent] == [
            OrderStatusChanged,
            ReservationCommitRequested,
            PaymentCaptureRequested,
        ]
        await world.deliver(ReservationCommitted(order_id=order_id, committed_at=T0))
        world.now = T0 + timedelta(seconds=2)
        captured = PaymentCaptured(
            payment_id=PAYMENT,
            order_id=order_id,
            amount=Decimal("25.98"),
            transaction_id="t",
            captured_at=T0,
        )
        sent = await world.deliver(captured)
        assert [type(m) for m in sent] == [OrderStatusChanged, FulfillmentRequested]
        assert await world.deliver(captured) == []  # a duplicate sends nothing

        record = await world.units.orders.record(order_id)
        assert record is not None
        assert record.order.status is OrderStatus.CONFIRMED
        assert [entry.status for entry in record.history] == [
            OrderStatus.PLACED,
            OrderStatus.INVENTORY_RESERVED,
            OrderStatus.PAYMENT_AUTHORIZED,
            OrderStatus.CONFIRMED,
        ]
        assert world.registry.get_sample_value("orders_saga_duration_seconds_sum") == 2.0

    asyncio.run(scenario())


def test_a_message_about_an_unknown_order_is_dead_lettered() -> None:
    async def scenario() -> None:
        with pytest.raises(PermanentError, match="unknown order"):
            await World().deliver(reserved(uuid4()))

    asyncio.run(scenario())


def test_the_deadline_watch_cancels_overdue_orders_once_and_counts_them() -> None:
    async def scenario() -> None:
        world = World()
        waiting = await world.place_order()
        holding = await world.place_order()
        await world.deliver(reserved(holding))
        settled = await world.place_order()
        await world.deliver(reserved(settled))
        await world.deliver(authorized(settled))  # past the point of no return
        watch = SagaDeadlineWatch(
            world.units, timeout=timedelta(seconds=30), now=lambda: world.now, metrics=world.metrics
        )
        world.now = T0 + timedelta(seconds=29)
        assert await watch.sweep() == 0

        world.now = T0 + timedelta(seconds=31)
        sent_before = len(world.units.published)
        assert await watch.sweep() == 2
        orders = world.units.orders.orders
        assert orders[waiting].status is OrderStatus.CANCELLED
        assert orders[waiting].cancel_reason == "timeout"
        assert orders[holding].status is OrderStatus.CANCELLED
        assert orders[settled].status is OrderStatus.PAYMENT_AUTHORIZED
        swept = world.units.published[sent_before:]
        assert sum(isinstance(m, ReservationReleaseRequested) for m in swept) == 1
        assert world.registry.get_sample_value("orders_saga_timeouts_total") == 2
        cancelled = {"reason": "timeout"}
        assert world.registry.get_sample_value("orders_cancelled_total", cancelled) == 2

        assert await watch.sweep() == 0  # nothing is cancelled twice

    asyncio.run(scenario())


def test_the_deadline_watch_stops_when_asked() -> None:
    async def scenario() -> None:
        world = World()
        watch = SagaDeadlineWatch(
            world.units, timeout=timedelta(seconds=1), now=lambda: world.now, metrics=world.metrics
        )
        stop = asyncio.Event()
        task = asyncio.create_task(watch.run(stop))
        stop.set()
        async with asyncio.timeout(2):
            await task

    asyncio.run(scenario())
