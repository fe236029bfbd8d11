"""HTTP routes for signing in, browsing and the cart (thin: bodies -> ``shop`` -> views).

=======  ==================================  ==========================================
POST     /api/storefront/login               {email, password} -> {customerId, token,
                                             expiresAt}; 401 wrong credentials
GET      /api/storefront/products            ?page=&pageSize=&category= -> product cards
                                             with price and inStock
GET      /api/storefront/cart                the caller's cart, lines named (auth)
POST     /api/storefront/cart/items          {sku, quantity} -> the cart; opens the
                                             cart on the first add (auth)
PUT      /api/storefront/cart/items/{sku}    {quantity} -> the cart (auth)
DELETE   /api/storefront/cart/items/{sku}    -> the cart (auth)
=======  ==================================  ==========================================

"(auth)": ``Authorization: Bearer <token>`` from login; the customer is the token's.
An upstream that does not answer gives 503 naming it; one that answers nonsense, 502.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.kernel.problems import problem_doc
from services.storefront import shop
from services.storefront.deps import CallerDep, UpstreamsDep
from services.storefront.models import (
    SKU_PATTERN,
    AddItemBody,
    CartView,
    ChangeQuantityBody,
    LoginBody,
    LoginView,
    ProductCardList,
)

PREFIX = "/api/storefront"

router = APIRouter(prefix=PREFIX, tags=["storefront"], responses=problem_doc(400, 502, 503))
SkuPath = Annotated[str, Path(pattern=SKU_PATTERN, max_length=50)]


@router.post("/login", responses=problem_doc(401))
async def login(body: LoginBody, upstreams: UpstreamsDep) -> LoginView:
    """Sign in at Customer Identity; the token authorises every other call and the stream."""
    result = await upstreams.identity.login(body.email, body.password)
    return LoginView(
        customer_id=result.customer_id, token=result.token, expires_at=result.expires_at
    )


@router.get("/products", response_model_exclude_none=True)
async def products(
    upstreams: UpstreamsDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
    category: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
) -> ProductCardList:
    """Active products, oldest first, with price and stock."""
    return await shop.product_cards(upstreams, page=page, page_size=page_size, category=category)


@router.get("/cart", response_model_exclude_none=True, responses=problem_doc(401))
async def cart(caller: CallerDep, upstreams: UpstreamsDep) -> CartView:
    return await shop.cart_of(upstreams, caller.customer_id)


@router.post("/cart/items", response_model_exclude_none=True, responses=problem_doc(401))
async def add_item(body: AddItemBody, caller: CallerDep, upstreams: UpstreamsDep) -> CartView:
    """Add ``quantity`` of ``sku`` at the catalog's price."""
    return await shop.add_item(upstreams, caller.customer_id, body.sku, body.quantity)


@router.put("/cart/items/{sku}", response_model_exclude_none=True, responses=problem_doc(401, 404))
async def change_quantity(
    sku: SkuPath, body: ChangeQuantityBody, caller: CallerDep, upstreams: UpstreamsDep
) -> CartView:
    return await shop.change_quantity(upstreams, caller.customer_id, sku, body.quantity)


@router.delete(
    "/cart/items/{sku}", response_model_exclude_none=True, responses=problem_doc(401, 404)
)
async def remove_item(sku: SkuPath, caller: CallerDep, upstreams: UpstreamsDep) -> CartView:
    return await shop.remove_item(upstreams, caller.customer_id, sku)
