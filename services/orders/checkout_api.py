"""HTTP routes of the checkout wizard (thin: bodies -> ``wizard`` use cases -> views).

* ``GET  /api/checkouts/{id}``: the checkout; 404 until Shopping's CheckoutInitiated
  has arrived (a client retries briefly after starting checkout).
* ``PUT  /api/checkouts/{id}/shipping-address`` ``{addressId}`` or ``{address: {...}}``
* ``PUT  /api/checkouts/{id}/shipping-method`` ``{method, cost?}``
* ``PUT  /api/checkouts/{id}/payment-method`` ``{token}``
* ``POST /api/checkouts/{id}/complete`` (optionally every step in the body) -> 201
  ``{orderId}`` + ``Location: /api/orders/{orderId}``; 200 with the same order id when
  the checkout was completed before.

Edits answer the checkout; 404 for an unknown checkout, 400 for a completed one or
invalid input, 403 for another customer's address, 503 while Identity is unreachable.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Response

from services.kernel.problems import problem_doc
from services.orders.checkout import ShippingChoice
from services.orders.deps import AddressBookDep, UnitsDep, WiringDep
from services.orders.models import (
    CompleteBody,
    PaymentMethodBody,
    ShippingAddressBody,
    ShippingMethodBody,
)
from services.orders.views import CheckoutView, CompletionView
from services.orders.wizard import (
    CheckoutChanges,
    complete_checkout,
    edit_checkout,
    read_checkout,
    resolve_address,
)

PREFIX = "/api/checkouts"

router = APIRouter(prefix=PREFIX, tags=["checkouts"], responses=problem_doc(400, 404, 503))

Authorization = Annotated[str | None, Header(include_in_schema=False)]


@router.get("/{checkout_id}", response_model_exclude_none=True)
async def get_checkout(checkout_id: UUID, units: UnitsDep) -> CheckoutView:
    return CheckoutView.from_domain(await read_checkout(units, checkout_id))


@router.put("/{checkout_id}/shipping-address", response_model_exclude_none=True)
async def set_shipping_address(
    checkout_id: UUID,
    body: ShippingAddressBody,
    units: UnitsDep,
    book: AddressBookDep,
    authorization: Authorization = None,
) -> CheckoutView:
    """A saved address of the checkout's customer (``addressId``) or an inline one."""
    address = await resolve_address(
        units,
        book,
        checkout_id,
        address_id=body.address_id,
        inline=body.address,
        authorization=authorization,
    )
    checkout = await edit_checkout(units, checkout_id, CheckoutChanges(address=address))
    return CheckoutView.from_domain(checkout)


@router.put("/{checkout_id}/shipping-method", response_model_exclude_none=True)
async def set_shipping_method(
    checkout_id: UUID, body: ShippingMethodBody, units: UnitsDep
) -> CheckoutView:
    """Standard (5.99), Express (12.99) or Overnight (24.99)."""
    changes = CheckoutChanges(shipping=ShippingChoice.priced(body.method, body.cost))
    return CheckoutView.from_domain(await edit_checkout(units, checkout_id, changes))


@router.put("/{checkout_id}/payment-method", response_model_exclude_none=True)
async def set_payment_method(
    checkout_id: UUID, body: PaymentMethodBody, units: UnitsDep
) -> CheckoutView:
    changes = CheckoutChanges(payment_token=body.token)
    return CheckoutView.from_domain(await edit_checkout(units, checkout_id, changes))


@router.post(
    "/{checkout_id}/complete",
    status_code=201,
    responses={200: {"model": CompletionView, "description": "Completed before"}},
)
async def complete(
    checkout_id: UUID,
    units: UnitsDep,
    book: AddressBookDep,
    wiring: WiringDep,
    response: Response,
    body: Annotated[CompleteBody | None, Body()] = None,
    authorization: Authorization = None,
) -> CompletionView:
    """Place the order. This is "checkout accepted", where the latency SLA clock starts."""
    steps = body or CompleteBody()
    shipping = (  # checked first: a bad method needs no address look-up
        ShippingChoice.priced(steps.shipping_method, steps.shipping_cost)
        if steps.shipping_method is not None
        else None
    )
    address = await resolve_address(
        units,
        book,
        checkout_id,
        address_id=steps.address_id,
        inline=steps.address,
        authorization=authorization,
    )
    changes = CheckoutChanges(address, shipping, steps.payment_method_token)
    completion = await complete_checkout(
        units, checkout_id, changes, new_order_id=wiring.new_order_id, now=wiring.now
    )
    response.headers["Location"] = f"/api/orders/{completion.order_id}"
    if not completion.created:
        response.status_code = 200
    return CompletionView(order_id=completion.order_id)
