"""Shopping as the Storefront uses it (``storefront->shopping`` link).

=======  ==================================  =============================================
POST     /api/carts {customerId}             201 (or 200: the active one) {cartId}
GET      /api/carts?customerId=              the customer's active cart; 404: none
POST     /api/carts/{id}/items               {sku, quantity} -> the cart
PUT      /api/carts/{id}/items/{sku}/quantity  {newQuantity} -> the cart
DELETE   /api/carts/{id}/items/{sku}         -> the cart
POST     /api/carts/{id}/checkout            201 {checkoutId}; 400 empty or closed cart
=======  ==================================  =============================================
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from services.storefront.clients.base import Upstream

PATH = "/api/carts"


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class CartLine(_Body):
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class Cart(_Body):
    cart_id: UUID
    customer_id: UUID | None = None
    status: str
    items: list[CartLine]
    item_count: int
    total_amount: Decimal


class _CartOpened(_Body):
    cart_id: UUID


class _CheckoutStarted(_Body):
    checkout_id: UUID


class ShoppingClient:
    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def active_cart(self, customer_id: UUID) -> Cart | None:
        response = await self._upstream.call("GET", PATH, params={"customerId": str(customer_id)})
        if response.status_code == 404:
            return None
        self._upstream.expect(response, 200)
        return self._upstream.read(Cart, response)

    async def open_cart(self, customer_id: UUID) -> UUID:
        """The customer's active cart, opened if there is none."""
        response = await self._upstream.call("POST", PATH, json={"customerId": str(customer_id)})
        self._upstream.expect(response, 200, 201)
        return self._upstream.read(_CartOpened, response).cart_id

    async def add_item(self, cart_id: UUID, sku: str, quantity: int) -> Cart:
        body = {"sku": sku, "quantity": quantity}
        return await self._cart("POST", f"{PATH}/{cart_id}/items", body)

    async def change_quantity(self, cart_id: UUID, sku: str, quantity: int) -> Cart:
        path = f"{PATH}/{cart_id}/items/{sku}/quantity"
        return await self._cart("PUT", path, {"newQuantity": quantity})

    async def remove_item(self, cart_id: UUID, sku: str) -> Cart:
        return await self._cart("DELETE", f"{PATH}/{cart_id}/items/{sku}", None)

    async def check_out(self, cart_id: UUID) -> UUID:
        """Close the cart and start a checkout at Orders; the checkout's id."""
        response = await self._upstream.call("POST", f"{PATH}/{cart_id}/checkout")
        self._upstream.expect(response, 201)
        return self._upstream.read(_CheckoutStarted, response).checkout_id

    async def _cart(self, method: str, path: str, body: object) -> Cart:
        response = await self._upstream.call(method, path, json=body)
        self._upstream.expect(response, 200)
        return self._upstream.read(Cart, response)
