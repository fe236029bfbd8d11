"""HTTP response bodies of the Orders service (camelCase; fields without a value are omitted).

The payment token and the saga's internal flags are never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from services.kernel.api_models import CamelModel
from services.kernel.money import Money, NonNegativeMoney
from services.orders.checkout import Checkout
from services.orders.models import AddressBody
from services.orders.order import HistoryEntry, Order, OrderLine, OrderStatus
from services.orders.ports import OrderPage, OrderRecord


class LineView(CamelModel):
    sku: str
    quantity: int
    unit_price: Money
    line_total: Money

    @classmethod
    def from_domain(cls, line: OrderLine) -> LineView:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.line_total,
        )


def _lines(lines: Sequence[OrderLine]) -> list[LineView]:
    return [LineView.from_domain(line) for line in lines]


class CheckoutView(CamelModel):
    checkout_id: UUID
    cart_id: UUID
    customer_id: UUID | None = None
    items: list[LineView]
    shipping_address: AddressBody | None = None
    shipping_method: str | None = None
    shipping_cost: NonNegativeMoney | None = None
    has_payment_method: bool
    subtotal: Money
    total: Money
    is_completed: bool
    order_id: UUID | None = None
    started_at: datetime
    completed_at: datetime | None = None

    @classmethod
    def from_domain(cls, checkout: Checkout) -> CheckoutView:
        address = checkout.shipping_address
        shipping = checkout.shipping
        return cls(
            checkout_id=checkout.id,
            cart_id=checkout.cart_id,
            customer_id=checkout.customer_id,
            items=_lines(checkout.items),
            shipping_address=AddressBody.from_contract(address) if address else None,
            shipping_method=shipping.method if shipping else None,
            shipping_cost=shipping.cost if shipping else None,
            has_payment_method=checkout.payment_token is not None,
            subtotal=checkout.subtotal,
            total=checkout.total,
            is_completed=checkout.is_completed,
            order_id=checkout.order_id,
            started_at=checkout.started_at,
            completed_at=checkout.completed_at,
        )


class CompletionView(CamelModel):
    """Body of ``POST /api/checkouts/{id}/complete``."""

    order_id: UUID


class HistoryView(CamelModel):
    status: OrderStatus
    reason: str | None = None
    occurred_at: datetime

    @classmethod
    def from_domain(cls, entry: HistoryEntry) -> HistoryView:
        return cls(status=entry.status, reason=entry.reason, occurred_at=entry.occurred_at)


class OrderView(CamelModel):
    """Body of ``GET /api/orders/{id}``: the order, its totals and its status history."""

    order_id: UUID
    checkout_id: UUID
    customer_id: UUID
    status: OrderStatus
    cancel_reason: str | None = None
    lines: list[LineView]
    shipping_address: AddressBody
    shipping_method: str
    shipping_cost: NonNegativeMoney
    subtotal: Money
    total_amount: Money
    placed_at: datetime
    confirmed_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    history: list[HistoryView]

    @classmethod
    def from_domain(cls, record: OrderRecord) -> OrderView:
        order = record.order
        return cls(
            order_id=order.id,
            checkout_id=order.checkout_id,
            customer_id=order.customer_id,
            status=order.status,
            cancel_reason=order.cancel_reason,
            lines=_lines(order.lines),
            shipping_address=AddressBody.from_contract(order.shipping_address),
            shipping_method=order.shipping_method,
            shipping_cost=order.shipping_cost,
            subtotal=order.subtotal,
            total_amount=order.total_amount,
            placed_at=order.placed_at,
            confirmed_at=order.confirmed_at,
            shipped_at=order.shipped_at,
            delivered_at=order.delivered_at,
            cancelled_at=order.cancelled_at,
            history=[HistoryView.from_domain(entry) for entry in record.history],
        )


class OrderSummaryView(CamelModel):
    order_id: UUID
    customer_id: UUID
    placed_at: datetime
    status: OrderStatus
    total_amount: Money
    item_count: int

    @classmethod
    def from_domain(cls, order: Order) -> OrderSummaryView:
        return cls(
            order_id=order.id,
            customer_id=order.customer_id,
            placed_at=order.placed_at,
            status=order.status,
            total_amount=order.total_amount,
            item_count=order.item_count,
        )


class OrderListView(CamelModel):
    """Body of ``GET /api/orders``: one page of a customer's orders, newest first."""

    orders: list[OrderSummaryView]
    page: int
    page_size: int
    total_count: int

    @classmethod
    def from_domain(cls, found: OrderPage, *, page: int, page_size: int) -> OrderListView:
        return cls(
            orders=[OrderSummaryView.from_domain(order) for order in found.orders],
            page=page,
            page_size=page_size,
            total_count=found.total_count,
        )
