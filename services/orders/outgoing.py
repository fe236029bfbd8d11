"""The messages the order saga sends, built from an order (pure; used by ``saga``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.contracts.messages import (
    CartLine,
    FulfillmentRequested,
    OrderPlaced,
    OrderStatusChanged,
    PaymentCaptureRequested,
    PaymentVoidRequested,
    ReservationCommitRequested,
    ReservationReleaseRequested,
)
from services.contracts.messages import OrderLine as OrderLineContract
from services.orders.order import Order, OrderStatus


def order_placed(order: Order) -> OrderPlaced:
    """Inventory reserves and Payments authorises on this; the Storefront shows it."""
    return OrderPlaced(
        order_id=order.id,
        customer_id=order.customer_id,
        line_items=[
            OrderLineContract(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
            for line in order.lines
        ],
        shipping_address=order.shipping_address,
        shipping_method=order.shipping_method,
        payment_method_token=order.payment_token,
        total_amount=order.total_amount,
        placed_at=order.placed_at,
    )


def status_changed(
    order: Order, status: OrderStatus, reason: str | None, now: datetime
) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=order.id,
        customer_id=order.customer_id,
        new_status=status.value,
        reason=reason,
        occurred_at=now,
    )


def commit_requested(order: Order, now: datetime) -> ReservationCommitRequested:
    return ReservationCommitRequested(order_id=order.id, requested_at=now)


def capture_requested(order: Order, payment_id: UUID, now: datetime) -> PaymentCaptureRequested:
    return PaymentCaptureRequested(
        order_id=order.id, payment_id=payment_id, amount=order.total_amount, requested_at=now
    )


def release_requested(order: Order, now: datetime) -> ReservationReleaseRequested:
    return ReservationReleaseRequested(
        order_id=order.id, reason=order.cancel_reason or "cancelled", requested_at=now
    )


def void_requested(
    order: Order, payment_id: UUID, reason: str, now: datetime
) -> PaymentVoidRequested:
    """Void an authorisation, or refund it if it was captured (Payments decides)."""
    return PaymentVoidRequested(
        order_id=order.id, payment_id=payment_id, reason=reason, requested_at=now
    )


def fulfillment_requested(order: Order, now: datetime) -> FulfillmentRequested:
    return FulfillmentRequested(
        order_id=order.id,
        customer_id=order.customer_id,
        shipping_address=order.shipping_address,
        line_items=[
            CartLine(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price)
            for line in order.lines
        ],
        shipping_method=order.shipping_method,
        requested_at=now,
    )
