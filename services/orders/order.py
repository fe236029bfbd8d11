"""The order as the saga sees it: an immutable value, its statuses and their ranks.

Pure code (no I/O). ``services.orders.saga`` computes the next ``Order`` from the
current one and an incoming message; the store persists it as one row of
``orders`` plus its ``order_events`` history.

Flags record what has happened (``is_inventory_reserved``...) and what has
been asked for (``is_commit_requested``...), so every outgoing command is sent
exactly once however often, and in whatever order, the answers arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from services.contracts.messages import Address


class OrderStatus(StrEnum):
    PLACED = "Placed"
    INVENTORY_RESERVED = "InventoryReserved"
    PAYMENT_AUTHORIZED = "PaymentAuthorized"
    CONFIRMED = "Confirmed"
    SHIPPED = "Shipped"
    DELIVERED = "Delivered"
    CANCELLED = "Cancelled"

    @property
    def rank(self) -> int:
        """Progress along the happy path; a status never gives way to a lower rank.
        InventoryReserved and PaymentAuthorized share a rank: they arrive in either order."""
        return _RANKS[self]

    @property
    def is_terminal(self) -> bool:
        return self in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)


_RANKS = {
    OrderStatus.PLACED: 0,
    OrderStatus.INVENTORY_RESERVED: 1,
    OrderStatus.PAYMENT_AUTHORIZED: 1,
    OrderStatus.CONFIRMED: 2,
    OrderStatus.SHIPPED: 3,
    OrderStatus.DELIVERED: 4,
    OrderStatus.CANCELLED: 5,
}

AWAITING_STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus.PLACED,
    OrderStatus.INVENTORY_RESERVED,
    OrderStatus.PAYMENT_AUTHORIZED,
)
"""Statuses in which the saga deadline can still cancel an order (see ``Order.awaits_deadline``)."""


class CancelReason(StrEnum):
    OUT_OF_STOCK = "out of stock"
    PAYMENT_DECLINED = "payment declined"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Order:
    """One order and the progress of its saga."""

    id: UUID
    checkout_id: UUID
    customer_id: UUID
    lines: tuple[OrderLine, ...]
    shipping_address: Address
    shipping_method: str
    shipping_cost: Decimal
    payment_token: str
    placed_at: datetime
    status: OrderStatus = OrderStatus.PLACED
    payment_id: UUID | None = None
    is_inventory_reserved: bool = False
    is_payment_authorized: bool = False
    is_commit_requested: bool = False  # commit and capture are requested together
    is_inventory_committed: bool = False
    is_payment_captured: bool = False
    is_fulfillment_requested: bool = False
    is_release_requested: bool = False
    is_void_requested: bool = False
    is_inventory_released: bool = False
    is_payment_voided: bool = False
    cancel_reason: str | None = None
    confirmed_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))

    @property
    def total_amount(self) -> Decimal:
        return self.subtotal + self.shipping_cost

    @property
    def item_count(self) -> int:
        """Distinct lines, as the Storefront counts a cart's items."""
        return len(self.lines)

    @property
    def awaits_deadline(self) -> bool:
        """Still waiting for stock or payment, so the saga deadline may cancel it.

        Once commit and capture are requested the order is past the point of no
        return: stock may already be committed and money captured, which a cancel
        could not undo cleanly; those durable commands are left to finish.
        """
        return self.status in AWAITING_STATUSES and not self.is_commit_requested


@dataclass(frozen=True)
class HistoryEntry:
    """One row of ``order_events``: a status the order entered, and why."""

    status: OrderStatus
    occurred_at: datetime
    reason: str | None = None
