"""The customer's orders, from Orders, with product names from the catalog.

Only the caller's own orders are ever shown: the list is asked for the token's
customer, and an order of someone else answers 404, exactly like an order that does
not exist (its existence is not the caller's business).
"""

from __future__ import annotations

from uuid import UUID

from services.kernel.errors import NotFound
from services.storefront.clients import Upstreams
from services.storefront.models import (
    OrderDetail,
    OrderLine,
    OrderList,
    OrderSummary,
    ShippingAddress,
    StatusEntry,
)
from services.storefront.shop import names_of


class OrderNotFound(NotFound):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"order {order_id} not found")


async def orders_of(
    upstreams: Upstreams, customer_id: UUID, *, page: int, page_size: int
) -> OrderList:
    found = await upstreams.orders.orders_of(customer_id, page=page, page_size=page_size)
    return OrderList(
        orders=[
            OrderSummary(
                order_id=order.order_id,
                placed_at=order.placed_at,
                status=order.status,
                total_amount=order.total_amount,
                item_count=order.item_count,
            )
            for order in found.orders
            if order.customer_id == customer_id  # Orders filtered already; never trust a list
        ],
        page=found.page,
        page_size=found.page_size,
        total_count=found.total_count,
    )


async def order_of(upstreams: Upstreams, customer_id: UUID, order_id: UUID) -> OrderDetail:
    order = await upstreams.orders.order(order_id)
    if order is None or order.customer_id != customer_id:
        raise OrderNotFound(order_id)
    products = await names_of(upstreams, (line.sku for line in order.lines))
    return OrderDetail(
        order_id=order.order_id,
        status=order.status,
        cancel_reason=order.cancel_reason,
        lines=[
            OrderLine(
                sku=line.sku,
                name=products[line.sku].name if line.sku in products else None,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
            for line in order.lines
        ],
        shipping_address=ShippingAddress.model_validate(order.shipping_address.model_dump()),
        shipping_method=order.shipping_method,
        shipping_cost=order.shipping_cost,
        subtotal=order.subtotal,
        total_amount=order.total_amount,
        placed_at=order.placed_at,
        history=[
            StatusEntry(status=entry.status, reason=entry.reason, occurred_at=entry.occurred_at)
            for entry in order.history
        ],
    )
