"""Orders as the Storefront uses it (``storefront->orders`` link).

=======  ====================================  ===========================================
GET      /api/checkouts/{id}                   the checkout; 404 until Orders has heard
                                               of it (CheckoutInitiated, a message)
POST     /api/checkouts/{id}/complete          {addressId, shippingMethod,
                                               paymentMethodToken} -> 201 {orderId} (200
                                               if completed before); 404 as above
GET      /api/orders?customerId=&page=&pageSize=  {orders, page, pageSize, totalCount}
GET      /api/orders/{id}                      the order with lines and history; 404
=======  ====================================  ===========================================

The shopper's ``Authorization`` header is passed on with ``complete``: Orders resolves
the saved address at Customer Identity on the shopper's behalf.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from services.storefront.clients.base import Upstream
from services.storefront.pacing import ArrivalPacer


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Checkout(_Body):
    checkout_id: UUID
    customer_id: UUID | None = None
    is_completed: bool
    order_id: UUID | None = None


class _Completion(_Body):
    order_id: UUID


class OrderSummary(_Body):
    order_id: UUID
    customer_id: UUID
    placed_at: datetime
    status: str
    total_amount: Decimal
    item_count: int


class OrderList(_Body):
    orders: list[OrderSummary]
    page: int
    page_size: int
    total_count: int


class OrderLine(_Body):
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class StatusEntry(_Body):
    status: str
    reason: str | None = None
    occurred_at: datetime


class ShippingAddress(_Body):
    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str


class Order(_Body):
    order_id: UUID
    customer_id: UUID
    status: str
    cancel_reason: str | None = None
    lines: list[OrderLine]
    shipping_address: ShippingAddress
    shipping_method: str
    shipping_cost: Decimal
    subtotal: Decimal
    total_amount: Decimal
    placed_at: datetime
    history: list[StatusEntry] = []


class OrdersClient:
    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self.pacer = ArrivalPacer()  # when to first ask to complete a new checkout

    async def checkout(self, checkout_id: UUID) -> Checkout | None:
        response = await self._upstream.call("GET", f"/api/checkouts/{checkout_id}")
        if response.status == 404:
            return None
        self._upstream.expect(response, 200)
        return self._upstream.read(Checkout, response)

    async def complete(
        self, checkout_id: UUID, steps: dict[str, str], *, authorization: str
    ) -> UUID | None:
        """Place the order; None while Orders does not know the checkout yet (404)."""
        response = await self._upstream.call(
            "POST",
            f"/api/checkouts/{checkout_id}/complete",
            json=steps,
            headers={"Authorization": authorization},
        )
        if response.status == 404:
            return None
        self._upstream.expect(response, 200, 201)
        return self._upstream.read(_Completion, response).order_id

    async def orders_of(self, customer_id: UUID, *, page: int, page_size: int) -> OrderList:
        params: dict[str, str | int] = {
            "customerId": str(customer_id),
            "page": page,
            "pageSize": page_size,
        }
        response = await self._upstream.call("GET", "/api/orders", params=params)
        self._upstream.expect(response, 200)
        return self._upstream.read(OrderList, response)

    async def order(self, order_id: UUID) -> Order | None:
        response = await self._upstream.call("GET", f"/api/orders/{order_id}")
        if response.status == 404:
            return None
        self._upstream.expect(response, 200)
        return self._upstream.read(Order, response)
