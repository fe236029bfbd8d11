"""HTTP routes for checking out and for the caller's orders (all need the token).

=======  ============================================  ================================
POST     /api/storefront/checkout                      {addressId?, shippingMethod?,
                                                       paymentMethodToken} -> 201
                                                       {orderId, checkoutId}
POST     /api/storefront/checkouts/{id}/complete       same body: finish a checkout
                                                       that ``checkout`` left open
                                                       (503 past its deadline) -> 201
GET      /api/storefront/orders                        ?page=&pageSize= -> the caller's
                                                       orders, newest first
GET      /api/storefront/orders/{id}                   the order; 404 if not the caller's
=======  ============================================  ================================

See ``checkout`` for the steps and the deadline.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.kernel.problems import problem_doc
from services.storefront import checkout, order_history
from services.storefront.deps import CallerDep, UpstreamsDep, WiringDep
from services.storefront.models import CheckoutBody, CheckoutResult, OrderDetail, OrderList

PREFIX = "/api/storefront"

router = APIRouter(
    prefix=PREFIX, tags=["storefront orders"], responses=problem_doc(400, 401, 502, 503)
)


@router.post("/checkout", status_code=201, responses=problem_doc(403))
async def check_out(
    body: CheckoutBody,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    wiring: WiringDep,
    response: Response,
) -> CheckoutResult:
    """Check the caller's cart out and place the order, in one call."""
    result = await checkout.place_order(
        upstreams, caller, body, deadline_s=wiring.checkout_deadline_s
    )
    response.headers["Location"] = f"{PREFIX}/orders/{result.order_id}"
    return result


@router.post("/checkouts/{checkout_id}/complete", status_code=201, responses=problem_doc(403))
async def complete_checkout(
    checkout_id: UUID,
    body: CheckoutBody,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    wiring: WiringDep,
    response: Response,
) -> CheckoutResult:
    result = await checkout.complete_checkout(
        upstreams, caller, checkout_id, body, deadline_s=wiring.checkout_deadline_s
    )
    response.headers["Location"] = f"{PREFIX}/orders/{result.order_id}"
    return result


@router.get("/orders", response_model_exclude_none=True)
async def orders(
    caller: CallerDep,
    upstreams: UpstreamsDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> OrderList:
    return await order_history.orders_of(
        upstreams, caller.customer_id, page=page, page_size=page_size
    )


@router.get("/orders/{order_id}", response_model_exclude_none=True, responses=problem_doc(404))
async def order(order_id: UUID, caller: CallerDep, upstreams: UpstreamsDep) -> OrderDetail:
    return await order_history.order_of(upstreams, caller.customer_id, order_id)
