"""Inventory's handlers over the in-memory ledger, with a fake handler context."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

from services.contracts.messages import (
    Address,
    OrderLine,
    OrderPlaced,
    ReservationCommitRequested,
    ReservationCommitted,
    ReservationConfirmed,
    ReservationFailed,
    ReservationReleased,
    ReservationReleaseRequested,
)
from services.inventory.domain import OrderStatus, ReservationStatus, StockLevel
from services.inventory.handlers import InventoryHandlers
from services.inventory.memory_store import InMemoryInventory
from services.kernel.messaging.testing import RecordingContext

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
T = TypeVar("T")


@dataclass
class World:
    inventory: InMemoryInventory
    handlers: InventoryHandlers
    ctx: RecordingContext


def world() -> World:
    inventory = InMemoryInventory(
        [
            StockLevel("A", "WH-01", 5, 0),
            StockLevel("A", "WH-02", 5, 0),
            StockLevel("B", "WH-01", 2, 0),
        ]
    )
    handlers = InventoryHandlers(ledger_for=lambda _conn: inventory, clock=lambda: NOW)
    return World(inventory, handlers, RecordingContext())


def run(step: Awaitable[T]) -> T:
    return asyncio.run(_bounded(step))


async def _bounded(step: Awaitable[T]) -> T:
    async with asyncio.timeout(5):
        return await step


def placed(order_id: UUID, *lines: tuple[str, int]) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        customer_id=uuid4(),
        line_items=[
            OrderLine(sku=sku, quantity=qty, unit_price=Decimal("1.00"), line_total=Decimal(qty))
            for sku, qty in lines
        ],
        shipping_address=Address(
            address_line1="1 Main St",
            city="Seattle",
            state_or_province="WA",
            postal_code="98101",
            country="US",
        ),
        shipping_method="Standard",
        payment_method_token="tok_visa",
        total_amount=Decimal("10.00"),
        placed_at=NOW,
    )


def commit(order_id: UUID) -> ReservationCommitRequested:
    return ReservationCommitRequested(order_id=order_id, requested_at=NOW)


def release(order_id: UUID) -> ReservationReleaseRequested:
    return ReservationReleaseRequested(
        order_id=order_id, reason="payment declined", requested_at=NOW
    )


def test_an_order_reserves_every_line_once_and_answers_once() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("A", 3), ("B", 2))))
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("A", 3), ("B", 2))))
    [confirmed] = w.ctx.published
    assert isinstance(confirmed, ReservationConfirmed)
    assert [(r.sku, r.warehouse_id, r.quantity) for r in confirmed.reservations] == [
        ("A", "WH-01", 3),
        ("B", "WH-01", 2),
    ]
    assert w.inventory.level("A", "WH-01").reserved == 3
    assert w.inventory.level("B", "WH-01").available == 0


def test_a_shortage_reserves_nothing_and_names_the_short_sku() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("A", 3), ("B", 3))))
    [failed] = w.ctx.published
    assert isinstance(failed, ReservationFailed)
    assert (failed.sku, failed.requested_quantity, failed.available_quantity) == ("B", 3, 2)
    assert w.inventory.level("A", "WH-01").reserved == 0


def test_commit_ships_the_reserved_units_and_answers_only_the_first_request() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("A", 7))))
    run(w.handlers.on_commit_requested(w.ctx, commit(order)))
    run(w.handlers.on_commit_requested(w.ctx, commit(order)))
    run(w.handlers.on_release_requested(w.ctx, release(order)))  # never undoes a commit
    assert [type(m) for m in w.ctx.published] == [ReservationConfirmed, ReservationCommitted]
    a1, a2 = w.inventory.level("A", "WH-01"), w.inventory.level("A", "WH-02")
    assert (a1.on_hand, a1.reserved, a2.on_hand, a2.reserved) == (0, 0, 3, 0)
    recorded = run(w.inventory.order_reservations(order))
    assert recorded.status is OrderStatus.COMMITTED
    assert {r.status for r in recorded.reservations} == {ReservationStatus.COMMITTED}


def test_release_returns_the_units_once_and_blocks_a_later_commit() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("B", 2))))
    run(w.handlers.on_release_requested(w.ctx, release(order)))
    run(w.handlers.on_release_requested(w.ctx, release(order)))
    run(w.handlers.on_commit_requested(w.ctx, commit(order)))
    assert [type(m) for m in w.ctx.published] == [ReservationConfirmed, ReservationReleased]
    assert w.inventory.level("B", "WH-01") == StockLevel("B", "WH-01", 2, 0)


def test_release_of_a_failed_order_is_answered_once_so_the_saga_can_finish() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("B", 9))))
    run(w.handlers.on_release_requested(w.ctx, release(order)))
    run(w.handlers.on_release_requested(w.ctx, release(order)))
    assert [type(m) for m in w.ctx.published] == [ReservationFailed, ReservationReleased]


def test_a_release_before_the_order_arrives_keeps_its_stock_from_leaking() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_release_requested(w.ctx, release(order)))
    run(w.handlers.on_order_placed(w.ctx, placed(order, ("A", 1))))
    [released] = w.ctx.published
    assert isinstance(released, ReservationReleased)
    assert w.inventory.level("A", "WH-01").reserved == 0
    assert run(w.inventory.order_reservations(order)).status is OrderStatus.RELEASED
