"""Shopping as the Storefront uses it (``storefront->shopping`` link).

=======  ==================================  =============================================
POST     /api/carts {customerId}             201 (or 200: the active one) {cartId}
GET      /api/carts?customerId=              the customer's active cart; 404: none
POST     /api/carts/{id}/items               {sku, quantity} -> the cart
PUT      /api/carts/{id}/items/{sku}/quantity  {newQuantity} -> the cart
DELETE   /api/carts/{id}/items/{sku}         -> the cart
POST     /api/carts/{id}/checkout            201 {checkoutId}; 400 empty or closed cart
=======  ==================================  =============================================

Shopping has no "the customer's cart" in its paths, so each customer's cart id is
remembered here (for ``cart_id_ttl_s``) from every answer that names it. Using a
remembered id is safe: Shopping refuses any change to a closed cart (400) or an
unknown one (404), and only then is the id asked for again and the call repeated once.
That saves ``open_cart`` before each add and ``active_cart`` before a checkout.
"""

from __future__ import annotations

import time
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from services.kernel.errors import BadRequest, NotFound
from services.storefront.clients.base import Upstream
from services.storefront.clients.cache import Clock, TtlCache

PATH = "/api/carts"
MAX_CART_IDS = 50_000
# What Shopping answers for a change to a cart that is closed (400) or gone (404).
_STALE_CART = (BadRequest, NotFound)


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
    def __init__(
        self, upstream: Upstream, *, cart_id_ttl_s: float = 0.0, clock: Clock = time.monotonic
    ) -> None:
        self._upstream = upstream
        self._cart_ids: TtlCache[UUID, UUID] = TtlCache(
            ttl_s=cart_id_ttl_s, max_entries=MAX_CART_IDS, clock=clock
        )

    async def active_cart(self, customer_id: UUID) -> Cart | None:
        response = await self._upstream.call("GET", PATH, params={"customerId": str(customer_id)})
        if response.status == 404:
            self._cart_ids.discard(customer_id)
            return None
        self._upstream.expect(response, 200)
        cart = self._upstream.read(Cart, response)
        self._cart_ids.put(customer_id, cart.cart_id)
        return cart

    async def open_cart(self, customer_id: UUID) -> UUID:
        """The customer's active cart, opened if there is none."""
        response = await self._upstream.call("POST", PATH, json={"customerId": str(customer_id)})
        self._upstream.expect(response, 200, 201)
        cart_id = self._upstream.read(_CartOpened, response).cart_id
        self._cart_ids.put(customer_id, cart_id)
        return cart_id

    async def add_to_cart_of(self, customer_id: UUID, sku: str, quantity: int) -> Cart:
        """Add to the customer's active cart, opening one if there is none."""
        remembered = self._cart_ids.get(customer_id)
        if remembered is not None:
            try:
                return await self.add_item(remembered, sku, quantity)
            except _STALE_CART:
                self._cart_ids.discard(customer_id)  # closed meanwhile, or a bad SKU: ask
        return await self.add_item(await self.open_cart(customer_id), sku, quantity)

    def remembers_cart_of(self, customer_id: UUID) -> bool:
        return self._cart_ids.get(customer_id) is not None

    async def check_out_cart_of(self, customer_id: UUID) -> UUID | None:
        """Check out the customer's active cart: the checkout's id; None without a cart."""
        remembered = self._cart_ids.get(customer_id)
        if remembered is not None:
            try:
                return await self.check_out(remembered, customer_id=customer_id)
            except _STALE_CART:
                self._cart_ids.discard(customer_id)  # closed meanwhile, or empty: ask
        cart = await self.active_cart(customer_id)
        if cart is None:
            return None
        return await self.check_out(cart.cart_id, customer_id=customer_id)

    async def add_item(self, cart_id: UUID, sku: str, quantity: int) -> Cart:
        body = {"sku": sku, "quantity": quantity}
        return await self._cart("POST", f"{PATH}/{cart_id}/items", body)

    async def change_quantity(self, cart_id: UUID, sku: str, quantity: int) -> Cart:
        path = f"{PATH}/{cart_id}/items/{sku}/quantity"
        return await self._cart("PUT", path, {"newQuantity": quantity})

    async def remove_item(self, cart_id: UUID, sku: str) -> Cart:
        return await self._cart("DELETE", f"{PATH}/{cart_id}/items/{sku}", None)

    async def check_out(self, cart_id: UUID, *, customer_id: UUID | None = None) -> UUID:
        """Close the cart and start a checkout at Orders; the checkout's id."""
        response = await self._upstream.call("POST", f"{PATH}/{cart_id}/checkout")
        self._upstream.expect(response, 201)
        if customer_id is not None:
            self._cart_ids.discard(customer_id)  # closed now: the next add opens another
        return self._upstream.read(_CheckoutStarted, response).checkout_id

    async def _cart(self, method: str, path: str, body: object) -> Cart:
        response = await self._upstream.call(method, path, json=body)
        self._upstream.expect(response, 200)
        return self._upstream.read(Cart, response)
