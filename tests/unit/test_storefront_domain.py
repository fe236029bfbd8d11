"""Storefront domain rules and message handlers: what a customer is told, and when.

The handlers run against ``FakeConnection``, a stand-in for the inbox transaction's
asyncpg connection that keeps the rows the Storefront's SQL would write.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from services.contracts.messages import (
    CartCleared,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    OrderStatusChanged,
    ShipmentDelivered,
    ShipmentDispatched,
)
from services.kernel.messaging.testing import RecordingContext
from services.storefront.domain import (
    CartChange,
    CartChangeKind,
    EventType,
    Notification,
    tally_cart,
)
from services.storefront.handlers import StorefrontHandlers
from services.storefront.sse.framing import decode_announcement

ALICE = UUID("11111111-1111-1111-1111-111111111111")
CART = UUID("33333333-3333-3333-3333-333333333333")
T0 = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def added(sku: str, quantity: int, price: str, seconds: int) -> CartChange:
    return CartChange(CartChangeKind.ADDED, at(seconds), sku, quantity, Decimal(price))


def test_re_adding_a_sku_raises_its_quantity_at_the_first_price() -> None:
    tally = tally_cart([added("A", 2, "1.50", 0), added("A", 1, "9.99", 1)])
    assert (tally.item_count, tally.total_amount) == (1, Decimal("4.50"))


def test_changes_count_in_the_order_they_happened_not_the_order_they_arrived() -> None:
    changes = [
        CartChange(CartChangeKind.QUANTITY, at(2), "A", 5),
        added("B", 1, "2.00", 3),
        added("A", 1, "1.00", 1),
        CartChange(CartChangeKind.REMOVED, at(4), "B"),
    ]
    tally = tally_cart(changes)
    assert (tally.item_count, tally.total_amount) == (1, Decimal("5.00"))


def test_clearing_empties_the_cart_and_unknown_skus_are_ignored() -> None:
    changes = [
        added("A", 1, "1.00", 0),
        CartChange(CartChangeKind.CLEARED, at(1)),
        CartChange(CartChangeKind.QUANTITY, at(2), "A", 3),
        CartChange(CartChangeKind.REMOVED, at(3), "Z"),
    ]
    assert tally_cart(changes).item_count == 0


class FakeConnection:
    """The rows the Storefront's SQL would write, kept in lists."""

    def __init__(self) -> None:
        self.locks: list[str] = []
        self.notifications: list[tuple[UUID, str, dict[str, Any]]] = []
        self.changes: list[dict[str, Any]] = []
        self.announcements: list[str] = []

    async def execute(self, sql: str, *args: Any) -> str:
        if "pg_advisory_xact_lock" in sql:
            self.locks.append(args[0])
        elif sql.startswith("INSERT INTO cart_changes"):
            names = ("cart_id", "kind", "sku", "quantity", "unit_price", "occurred_at")
            self.changes.append(dict(zip(names, args, strict=True)))
        elif "pg_notify" in sql:
            self.announcements.append(args[1])
        return "OK"

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, int]:
        """The store's one-statement append: lock (when asked), insert, announce."""
        assert "INSERT INTO notifications" in sql
        customer_id, event_type, payload, _channel, data, fits, lock = args
        if lock:
            self.locks.append(str(customer_id))
        self.notifications.append((customer_id, event_type, payload))
        event_id = len(self.notifications)
        full = f"{customer_id}:{event_id}:{event_type}:{data}"
        self.announcements.append(full if fits else f"{customer_id}:{event_id}")
        return {"id": event_id}

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        assert "FROM cart_changes" in sql
        return [change for change in self.changes if change["cart_id"] == args[0]]


def handle(messages: list[Any]) -> tuple[FakeConnection, list[Notification]]:
    conn = FakeConnection()
    stored: list[Notification] = []
    handlers = StorefrontHandlers(observe=stored.append)
    by_type = {sub.message_type: sub.handler for sub in handlers.subscriptions()}

    async def run() -> None:
        for message in messages:
            await by_type[type(message)](RecordingContext(conn=conn), message)

    asyncio.run(run())
    return conn, stored


def test_cart_events_become_cart_updated_with_replayed_totals() -> None:
    conn, stored = handle(
        [
            ItemAdded(
                cart_id=CART,
                customer_id=ALICE,
                sku="A",
                quantity=2,
                unit_price=Decimal("1.25"),
                added_at=at(0),
            ),
            ItemQuantityChanged(
                cart_id=CART,
                customer_id=ALICE,
                sku="A",
                old_quantity=2,
                new_quantity=4,
                changed_at=at(1),
            ),
            ItemAdded(
                cart_id=CART,
                customer_id=ALICE,
                sku="B",
                quantity=1,
                unit_price=Decimal("3"),
                added_at=at(2),
            ),
            ItemRemoved(cart_id=CART, customer_id=ALICE, sku="A", removed_at=at(3)),
            CartCleared(cart_id=CART, customer_id=ALICE, reason="checked out", cleared_at=at(4)),
        ]
    )
    assert [n.type for n in stored] == [EventType.CART_UPDATED] * 5
    totals = [(n.payload["itemCount"], n.payload["totalAmount"]) for n in stored]
    assert totals == [(1, "2.50"), (1, "5.00"), (2, "8.00"), (1, "3.00"), (0, "0.00")]
    assert stored[0].payload == {
        "cartId": str(CART),
        "customerId": str(ALICE),
        "itemCount": 1,
        "totalAmount": "2.50",
        "occurredAt": at(0).isoformat(),
    }
    assert conn.locks == [str(ALICE)] * 5  # every write holds the customer's lock


def test_anonymous_carts_are_told_nothing() -> None:
    anonymous = [None, UUID(int=0)]
    conn, stored = handle(
        [
            ItemAdded(
                cart_id=CART,
                customer_id=customer,
                sku="A",
                quantity=1,
                unit_price=Decimal(1),
                added_at=at(0),
            )
            for customer in anonymous
        ]
    )
    assert stored == []
    assert conn.changes == []
    assert conn.announcements == []


def test_order_and_shipment_events_are_announced_to_every_replica() -> None:
    order_id, shipment_id = uuid4(), uuid4()
    conn, stored = handle(
        [
            OrderStatusChanged(
                order_id=order_id,
                customer_id=ALICE,
                new_status="Cancelled",
                reason="payment declined",
                occurred_at=at(0),
            ),
            ShipmentDispatched(
                order_id=order_id,
                customer_id=ALICE,
                shipment_id=shipment_id,
                carrier="UPS",
                tracking_number="1Z",
                dispatched_at=at(1),
            ),
            ShipmentDelivered(
                order_id=order_id, customer_id=ALICE, shipment_id=shipment_id, delivered_at=at(2)
            ),
        ]
    )
    assert [n.type for n in stored] == [
        EventType.ORDER_STATUS_CHANGED,
        EventType.SHIPMENT_STATUS_CHANGED,
        EventType.SHIPMENT_STATUS_CHANGED,
    ]
    assert stored[0].payload["reason"] == "payment declined"
    assert stored[1].payload["trackingNumber"] == "1Z"
    assert stored[1].payload["newStatus"] == "Dispatched"
    assert stored[2].payload["newStatus"] == "Delivered"
    announced = [decode_announcement(text) for text in conn.announcements]
    assert [(a.customer_id, a.event_id) for a in announced] == [(ALICE, 1), (ALICE, 2), (ALICE, 3)]
    first = json.loads(announced[0].data or "")
    assert first["eventType"] == "order-status-changed"
    assert first["newStatus"] == "Cancelled"
