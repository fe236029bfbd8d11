"""FulfillmentRequested: one shipment per order, assigned at once, never a duplicate.

The handler runs with a small fake ``HandlerContext`` whose connection plays the
``shipments`` table's unique ``order_id`` (the real one is exercised by
tests/system/test_fulfillment_flow.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.contracts.messages import Address, CartLine, FulfillmentRequested
from services.fulfillment.autopilot import Autopilot
from services.fulfillment.handlers import fulfillment_requested_handler, subscriptions
from services.kernel.messaging import PermanentError
from services.kernel.messaging.testing import RecordingContext


class FakeShipmentsConnection:
    """Answers the handler's INSERT like the table would: once per order id."""

    def __init__(self) -> None:
        self.rows: dict[UUID, tuple[Any, ...]] = {}

    async def fetchval(self, sql: str, *args: Any) -> Any:
        assert "INSERT INTO shipments" in sql
        assert "ON CONFLICT (order_id) DO NOTHING" in sql
        order_id = args[1]
        if order_id in self.rows:
            return None
        self.rows[order_id] = args
        return args[0]


def request(order_id: UUID, *lines: tuple[str, int]) -> FulfillmentRequested:
    return FulfillmentRequested(
        order_id=order_id,
        customer_id=uuid4(),
        shipping_address=Address(
            address_line1="123 Main Street",
            address_line2="Apt 4B",
            city="Seattle",
            state_or_province="WA",
            postal_code="98101",
            country="US",
        ),
        line_items=[
            CartLine(sku=sku, quantity=qty, unit_price=Decimal("1.00")) for sku, qty in lines
        ],
        shipping_method="Standard",
        requested_at=datetime.now(UTC),
    )


def handle(
    autopilot: Autopilot, conn: FakeShipmentsConnection, message: FulfillmentRequested
) -> RecordingContext:
    context = RecordingContext(conn=conn)
    asyncio.run(fulfillment_requested_handler(autopilot)(context, message))
    return context


def test_a_request_opens_an_assigned_shipment_with_its_dispatch_scheduled() -> None:
    conn, order_id = FakeShipmentsConnection(), uuid4()
    context = handle(
        Autopilot(seed=3), conn, request(order_id, ("DOG-BOWL-001", 2), ("CAT-TREE-5FT", 1))
    )
    row = conn.rows[order_id]
    shipment_id, _, _, address, lines, method, status, warehouse = row[:8]
    assert UUID(str(shipment_id)).version == 7
    assert status == "Assigned"
    assert warehouse == Autopilot(seed=3).warehouse_for(order_id)
    assert address["stateOrProvince"] == "WA"
    assert lines == [{"sku": "DOG-BOWL-001", "quantity": 2}, {"sku": "CAT-TREE-5FT", "quantity": 1}]
    assert method == "Standard"
    assert row[15] is not None  # next_step_at: the dispatch
    assert context.published == []  # nothing to announce until it ships


def test_a_repeated_or_late_request_changes_nothing() -> None:
    conn, order_id = FakeShipmentsConnection(), uuid4()
    handle(Autopilot(), conn, request(order_id, ("DOG-BOWL-001", 2)))
    first = conn.rows[order_id]
    again = handle(Autopilot(), conn, request(order_id, ("DOG-BOWL-001", 5)))
    assert conn.rows == {order_id: first}
    assert again.published == []


def test_without_the_autopilot_the_shipment_waits_pending() -> None:
    conn, order_id = FakeShipmentsConnection(), uuid4()
    handle(Autopilot(enabled=False), conn, request(order_id, ("DOG-BOWL-001", 1)))
    row = conn.rows[order_id]
    assert row[6] == "Pending"
    assert row[7] is None
    assert row[15] is None


def test_a_request_with_nothing_to_ship_is_dead_lettered() -> None:
    conn = FakeShipmentsConnection()
    with pytest.raises(PermanentError, match="nothing to ship"):
        handle(Autopilot(), conn, request(uuid4()))
    with pytest.raises(PermanentError):
        handle(Autopilot(), conn, request(uuid4(), ("DOG-BOWL-001", 0)))
    assert conn.rows == {}


def test_fulfillment_subscribes_to_fulfillment_requested_only() -> None:
    assert [s.message_type for s in subscriptions(Autopilot())] == [FulfillmentRequested]
