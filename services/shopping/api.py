"""HTTP routes of Shopping: thin adapters from JSON to the cart service.

Every route answering with a cart returns the cart as it is after the change,
so a caller needs no second request. Errors are problem+json: 400 on invalid
input, a closed cart, a limit, an unknown or unsellable SKU, or an empty cart
at checkout; 404 for an unknown cart or a SKU not in it; 503 while the catalog
or the database cannot be reached.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from services.kernel.problems import problem_doc
from services.shopping.cart_service import CartService
from services.shopping.domain import REASON_MAX_LENGTH, SKU_MAX_LENGTH, SKU_PATTERN
from services.shopping.models import (
    DEFAULT_CLEAR_REASON,
    AddItem,
    CartOpened,
    CartView,
    ChangeQuantity,
    CheckoutStarted,
    ClearCart,
    OpenCart,
)

PREFIX = "/api/carts"
CHECKOUTS = "/api/checkouts"  # owned by Orders; Shopping only names the checkout's URL

router = APIRouter(prefix=PREFIX, tags=["carts"], responses=problem_doc(400, 404, 503))


async def get_carts(request: Request) -> CartService:
    """The cart service of this process, built in the app's lifespan."""
    service = getattr(request.app.state, "carts", None)
    if not isinstance(service, CartService):
        raise RuntimeError("the cart service exists only while the app's lifespan runs")
    return service


CartsDep = Annotated[CartService, Depends(get_carts)]
CartId = Annotated[UUID, Path()]
SkuPath = Annotated[str, Path(pattern=SKU_PATTERN, max_length=SKU_MAX_LENGTH)]


@router.post("", status_code=201)
async def open_cart(body: OpenCart, carts: CartsDep, response: Response) -> CartOpened:
    """Open a cart (201). A customer has at most one active cart: asking again answers
    200 with the existing one. Its URL is in the Location header either way."""
    cart_id, created = await carts.open_cart(body.customer_id, body.session_id)
    response.headers["Location"] = f"{PREFIX}/{cart_id}"
    if not created:
        response.status_code = 200
    return CartOpened(cart_id=cart_id)


@router.get("", response_model_exclude_none=True)
async def active_cart(
    carts: CartsDep, customer_id: Annotated[UUID, Query(alias="customerId")]
) -> CartView:
    """The customer's active cart; 404 if there is none."""
    return CartView.from_domain(await carts.active_cart_of(customer_id))


@router.get("/{cart_id}", response_model_exclude_none=True)
async def get_cart(cart_id: CartId, carts: CartsDep) -> CartView:
    return CartView.from_domain(await carts.get(cart_id))


@router.post("/{cart_id}/items", response_model_exclude_none=True)
async def add_item(cart_id: CartId, body: AddItem, carts: CartsDep) -> CartView:
    """Add ``quantity`` of ``sku`` at the catalog's price (a SKU already in the cart
    keeps its first price)."""
    return CartView.from_domain(await carts.add_item(cart_id, body.sku, body.quantity))


@router.put("/{cart_id}/items/{sku}/quantity", response_model_exclude_none=True)
async def change_quantity(
    cart_id: CartId, sku: SkuPath, body: ChangeQuantity, carts: CartsDep
) -> CartView:
    return CartView.from_domain(await carts.change_quantity(cart_id, sku, body.new_quantity))


@router.delete("/{cart_id}/items/{sku}", response_model_exclude_none=True)
async def remove_item(cart_id: CartId, sku: SkuPath, carts: CartsDep) -> CartView:
    return CartView.from_domain(await carts.remove_item(cart_id, sku))


@router.delete("/{cart_id}", response_model_exclude_none=True)
async def clear_cart(
    cart_id: CartId,
    carts: CartsDep,
    body: Annotated[ClearCart | None, Body()] = None,
    reason: Annotated[str | None, Query(min_length=1, max_length=REASON_MAX_LENGTH)] = None,
) -> CartView:
    """Empty and close the cart (terminal); the reason comes from the body or ``?reason=``."""
    chosen = body.reason if body is not None else (reason or "").strip() or DEFAULT_CLEAR_REASON
    return CartView.from_domain(await carts.clear(cart_id, chosen))


@router.post("/{cart_id}/checkout", status_code=201)
async def check_out(cart_id: CartId, carts: CartsDep, response: Response) -> CheckoutStarted:
    """Close the cart and start a checkout at Orders; 400 if the cart is empty or closed."""
    cart = await carts.check_out(cart_id)
    assert cart.checkout_id is not None
    response.headers["Location"] = f"{CHECKOUTS}/{cart.checkout_id}"
    return CheckoutStarted(checkout_id=cart.checkout_id)
