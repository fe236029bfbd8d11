"""The whole checkout in one call: Shopping starts it, Orders completes it.

``place_order``:

1. in parallel, the customer's active cart (Shopping) and, unless the shopper named
   one, their default shipping address (Customer Identity): both reads, so nothing
   has changed yet if either fails (no address on file: 400). When the cart's id is
   remembered from an earlier answer, only the address is read;
2. ``POST /api/carts/{id}/checkout`` at Shopping: the cart closes and Shopping
   publishes CheckoutInitiated;
3. ``POST /api/checkouts/{id}/complete`` at Orders with the address, shipping method
   and payment token. Orders learns of the checkout from that message, so the first
   attempts may answer 404: they are repeated (25 ms, doubling to 250 ms) until
   ``deadline_s``; the first waits most of the time that message took lately
   (``pacing``). Past it: 503 naming the checkout id, which the shopper can finish
   later with ``complete_checkout`` (``POST /api/storefront/checkouts/{id}/complete``).

``complete_checkout`` first checks that the checkout is the caller's (403 otherwise).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar
from uuid import UUID

from services.kernel.errors import BadRequest, DependencyUnavailable, RequestRejected
from services.kernel.retry import Backoff
from services.storefront.clients import Upstreams
from services.storefront.models import CheckoutBody, CheckoutResult

T = TypeVar("T")
_POLL = Backoff(initial_s=0.025, factor=2.0, cap_s=0.25)


class NothingToCheckOut(BadRequest):
    """The customer has no active cart (or it is empty: Shopping says so)."""


class NoShippingAddress(BadRequest):
    """No ``addressId`` was given and the customer has no shipping address on file."""


class NotYourCheckout(RequestRejected):
    status_code: ClassVar[int] = 403
    title: ClassVar[str] = "Forbidden"


class CheckoutNotReady(DependencyUnavailable):
    """Orders has not heard of the checkout before the deadline (503: finish it later)."""

    dependency = "orders"


@dataclass(frozen=True)
class Caller:
    """The signed-in shopper: the token's customer, and the header to pass on."""

    customer_id: UUID
    authorization: str


async def place_order(
    upstreams: Upstreams, caller: Caller, body: CheckoutBody, *, deadline_s: float
) -> CheckoutResult:
    shopping, customer_id = upstreams.shopping, caller.customer_id
    if shopping.remembers_cart_of(customer_id):
        # The cart's id is known: no need to read the cart, but the address is read
        # first all the same, so a checkout never starts without one.
        address_id = await _address(upstreams, customer_id, body.address_id)
        checkout_id = await shopping.check_out_cart_of(customer_id)
    else:
        cart, address_id = await asyncio.gather(
            shopping.active_cart(customer_id), _address(upstreams, customer_id, body.address_id)
        )
        checkout_id = (
            None
            if cart is None
            else await shopping.check_out(cart.cart_id, customer_id=customer_id)
        )
    if checkout_id is None:
        raise NothingToCheckOut("you have no active cart to check out")
    return await _complete(upstreams, caller, checkout_id, body.steps(address_id), deadline_s)


async def complete_checkout(
    upstreams: Upstreams,
    caller: Caller,
    checkout_id: UUID,
    body: CheckoutBody,
    *,
    deadline_s: float,
) -> CheckoutResult:
    checkout = await poll_until(lambda: upstreams.orders.checkout(checkout_id), deadline_s)
    if checkout is None:
        raise CheckoutNotReady(f"checkout {checkout_id} is not known to orders yet; retry")
    if checkout.customer_id != caller.customer_id:
        raise NotYourCheckout("this checkout belongs to another customer")
    address_id = await _address(upstreams, caller.customer_id, body.address_id)
    return await _complete(upstreams, caller, checkout_id, body.steps(address_id), deadline_s)


async def poll_until(
    attempt: Callable[[], Awaitable[T | None]], deadline_s: float, *, first_wait_s: float = 0.0
) -> T | None:
    """``attempt()`` repeated with short pauses (the first after ``first_wait_s``) until it
    returns a value or the deadline passes (then None). The last attempt starts before
    the deadline."""
    end = time.monotonic() + deadline_s
    delays = _POLL.delays()
    if first_wait_s > 0:
        await asyncio.sleep(min(first_wait_s, deadline_s))
    while True:
        result = await attempt()
        if result is not None:
            return result
        remaining = end - time.monotonic()
        if remaining <= 0:
            return None
        await asyncio.sleep(min(next(delays), remaining))


async def _complete(
    upstreams: Upstreams,
    caller: Caller,
    checkout_id: UUID,
    steps: dict[str, str],
    deadline_s: float,
) -> CheckoutResult:
    pacer = upstreams.orders.pacer
    started = time.monotonic()
    order_id = await poll_until(
        lambda: upstreams.orders.complete(checkout_id, steps, authorization=caller.authorization),
        deadline_s,
        first_wait_s=pacer.first_wait_s(),
    )
    if order_id is not None:
        pacer.arrived_after(time.monotonic() - started)
    if order_id is None:
        raise CheckoutNotReady(
            f"checkout {checkout_id} is not known to orders yet; finish it with "
            f"POST /api/storefront/checkouts/{checkout_id}/complete"
        )
    return CheckoutResult(order_id=order_id, checkout_id=checkout_id)


async def _address(upstreams: Upstreams, customer_id: UUID, given: UUID | None) -> UUID:
    if given is not None:
        return given
    found = await upstreams.identity.default_shipping_address(customer_id)
    if found is None:
        raise NoShippingAddress("you have no shipping address on file; give addressId")
    return found
