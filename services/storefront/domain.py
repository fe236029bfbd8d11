"""What the Storefront tells a customer, as pure functions of the integration messages.

A domain event becomes at most one ``Notice`` for its customer (anonymous carts get
none): its SSE event type and JSON payload. The handlers store it; the SSE layer
sends it. Payload fields are camelCase, money a string with two decimals, times ISO
8601 UTC, as everywhere in the shop:

* ``cart-updated`` {cartId, customerId, itemCount, totalAmount, occurredAt}
* ``order-status-changed`` {orderId, customerId, newStatus, reason?, occurredAt}
* ``shipment-status-changed`` {shipmentId, orderId, customerId, newStatus,
  trackingNumber?, occurredAt}

``itemCount`` is the number of distinct lines, as in Shopping's cart view. Cart
totals are not in Shopping's messages, so ``tally_cart`` replays the cart's own
change events in the order Shopping made them (by their timestamps), which gives
the right figures even when the messages arrive out of order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from services.contracts.messages import (
    OrderStatusChanged,
    ShipmentDelivered,
    ShipmentDeliveryFailed,
    ShipmentDispatched,
)
from services.kernel.money import format_money

JsonObject = dict[str, object]


class EventType(StrEnum):
    CART_UPDATED = "cart-updated"
    ORDER_STATUS_CHANGED = "order-status-changed"
    SHIPMENT_STATUS_CHANGED = "shipment-status-changed"


@dataclass(frozen=True)
class Notice:
    """One event for one customer's stream, before it has an id."""

    customer_id: UUID
    type: EventType
    payload: JsonObject


@dataclass(frozen=True)
class Notification:
    """A stored notice: ``id`` is the SSE event id (increasing per customer in commit order)."""

    id: int
    customer_id: UUID
    type: EventType
    payload: JsonObject


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def order_notice(message: OrderStatusChanged) -> Notice:
    payload: JsonObject = {
        "orderId": str(message.order_id),
        "customerId": str(message.customer_id),
        "newStatus": message.new_status,
    }
    if message.reason is not None:
        payload["reason"] = message.reason
    payload["occurredAt"] = _iso(message.occurred_at)
    return Notice(message.customer_id, EventType.ORDER_STATUS_CHANGED, payload)


ShipmentMessage = ShipmentDispatched | ShipmentDelivered | ShipmentDeliveryFailed


def shipment_notice(message: ShipmentMessage) -> Notice:
    payload: JsonObject = {
        "shipmentId": str(message.shipment_id),
        "orderId": str(message.order_id),
        "customerId": str(message.customer_id),
    }
    if isinstance(message, ShipmentDispatched):
        payload |= {"newStatus": "Dispatched", "trackingNumber": message.tracking_number}
        payload["occurredAt"] = _iso(message.dispatched_at)
    elif isinstance(message, ShipmentDelivered):
        payload |= {"newStatus": "Delivered", "occurredAt": _iso(message.delivered_at)}
    else:
        payload |= {"newStatus": "DeliveryFailed", "reason": message.reason}
        payload["occurredAt"] = _iso(message.failed_at)
    return Notice(message.customer_id, EventType.SHIPMENT_STATUS_CHANGED, payload)


class CartChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    QUANTITY = "quantity"
    CLEARED = "cleared"


@dataclass(frozen=True)
class CartChange:
    """One of Shopping's cart events, as kept for ``tally_cart``."""

    kind: CartChangeKind
    occurred_at: datetime
    sku: str | None = None
    quantity: int = 0
    unit_price: Decimal = Decimal(0)


@dataclass(frozen=True)
class CartTally:
    item_count: int
    total_amount: Decimal


def tally_cart(changes: Iterable[CartChange]) -> CartTally:
    """Lines and total after ``changes`` applied in time order (ties keep the given order).

    Shopping's rules: re-adding a SKU raises its quantity and keeps the first price; a
    quantity change sets the quantity; clearing empties the cart. A change to a SKU that
    is not (yet) in the cart is ignored, as Shopping would have refused it.
    """
    lines: dict[str, tuple[int, Decimal]] = {}
    for change in sorted(changes, key=lambda c: c.occurred_at):
        sku = change.sku or ""
        if change.kind is CartChangeKind.CLEARED:
            lines.clear()
        elif change.kind is CartChangeKind.ADDED:
            quantity, price = lines.get(sku, (0, change.unit_price))
            lines[sku] = (quantity + change.quantity, price)
        elif change.kind is CartChangeKind.QUANTITY and sku in lines:
            lines[sku] = (change.quantity, lines[sku][1])
        elif change.kind is CartChangeKind.REMOVED:
            lines.pop(sku, None)
    total = sum((price * quantity for quantity, price in lines.values()), Decimal(0))
    return CartTally(item_count=len(lines), total_amount=total)


def cart_notice(
    cart_id: UUID, customer_id: UUID, tally: CartTally, occurred_at: datetime
) -> Notice:
    payload: JsonObject = {
        "cartId": str(cart_id),
        "customerId": str(customer_id),
        "itemCount": tally.item_count,
        "totalAmount": format_money(tally.total_amount),
        "occurredAt": _iso(occurred_at),
    }
    return Notice(customer_id, EventType.CART_UPDATED, payload)
