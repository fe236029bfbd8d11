"""Checkout use cases: open, edit, complete. Each is one transaction on a unit of work.

Saved addresses are resolved through Customer Identity *before* the
transaction opens, so no row lock is held across an HTTP call; the owner is
then checked again against the locked checkout. Completing places the order and
writes OrderPlaced and OrderStatusChanged(Placed) to the outbox in the same
transaction; completing a completed checkout returns the same order id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.contracts.messages import Address, CheckoutInitiated
from services.kernel.errors import BadRequest
from services.orders import saga
from services.orders.checkout import (
    Checkout,
    CheckoutCompleted,
    CheckoutNotFound,
    ShippingChoice,
)
from services.orders.identity import AddressBook
from services.orders.models import AddressBody
from services.orders.order import OrderLine
from services.orders.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class AddressGiven:
    """A shipping address ready to store; ``owner`` is set for a customer's saved address."""

    address: Address
    owner: UUID | None = None


@dataclass(frozen=True)
class CheckoutChanges:
    """Steps to apply to a checkout; None leaves a step as it is."""

    address: AddressGiven | None = None
    shipping: ShippingChoice | None = None
    payment_token: str | None = None

    def apply_to(self, checkout: Checkout) -> Checkout:
        if self.address is not None:
            if self.address.owner is not None:
                checkout.check_address_owner(self.address.owner)
            checkout = checkout.with_address(self.address.address)
        if self.shipping is not None:
            checkout = checkout.with_shipping(self.shipping)
        if self.payment_token is not None:
            checkout = checkout.with_payment_token(self.payment_token)
        return checkout


@dataclass(frozen=True)
class Completion:
    order_id: UUID
    created: bool  # False: the checkout had been completed before


async def resolve_address(
    units: UnitOfWorkFactory,
    book: AddressBook,
    checkout_id: UUID,
    *,
    address_id: UUID | None,
    inline: AddressBody | None,
    authorization: str | None,
) -> AddressGiven | None:
    """The address a request names; a saved one is fetched from Customer Identity for the
    checkout's customer (a missing, anonymous or completed checkout needs no look-up)."""
    if inline is not None:
        return AddressGiven(inline.to_contract())
    if address_id is None:
        return None
    checkout = await read_checkout(units, checkout_id)
    if checkout.is_completed:
        return None  # completing again answers the order placed before; editing refuses
    if checkout.customer_id is None:
        raise BadRequest("an anonymous checkout cannot use a saved address; give it inline")
    snapshot = await book.snapshot(
        address_id, customer_id=checkout.customer_id, authorization=authorization
    )
    return AddressGiven(snapshot.address, owner=snapshot.owner)


async def open_checkout(uow: UnitOfWork, message: CheckoutInitiated) -> bool:
    """Create the checkout Shopping started (idempotent: True only the first time)."""
    items = tuple(
        OrderLine(sku=item.sku, quantity=item.quantity, unit_price=item.unit_price)
        for item in message.items
    )
    checkout = Checkout(
        id=message.checkout_id,
        cart_id=message.cart_id,
        customer_id=message.customer_id,
        items=items,
        started_at=message.initiated_at,
    )
    return await uow.checkouts.open(checkout)


async def read_checkout(units: UnitOfWorkFactory, checkout_id: UUID) -> Checkout:
    async with units.reading() as uow:
        return await _existing(uow, checkout_id, lock=False)


async def edit_checkout(
    units: UnitOfWorkFactory, checkout_id: UUID, changes: CheckoutChanges
) -> Checkout:
    """Apply ``changes``; 404 if the checkout is missing, 400 if it is completed."""
    async with units.transaction() as uow:
        checkout = await _existing(uow, checkout_id, lock=True)
        if checkout.is_completed:
            raise CheckoutCompleted(checkout_id)
        edited = changes.apply_to(checkout)
        if edited != checkout:
            await uow.checkouts.save(edited)
        return edited


async def complete_checkout(
    units: UnitOfWorkFactory,
    checkout_id: UUID,
    changes: CheckoutChanges,
    *,
    new_order_id: Callable[[], UUID],
    now: Callable[[], datetime],
) -> Completion:
    """Place the order (after applying ``changes``) or return the one placed before."""
    async with units.transaction() as uow:
        checkout = await _existing(uow, checkout_id, lock=True)
        if checkout.order_id is not None:
            return Completion(checkout.order_id, created=False)
        completed, order = changes.apply_to(checkout).place(new_order_id(), now())
        transition = saga.start(order)
        await uow.checkouts.save(completed)
        await uow.orders.add(transition.order, transition.history)
        for message in transition.outbox:
            await uow.publish(message)
        return Completion(order.id, created=True)


async def _existing(uow: UnitOfWork, checkout_id: UUID, *, lock: bool) -> Checkout:
    checkout = await uow.checkouts.get(checkout_id, lock=lock)
    if checkout is None:
        raise CheckoutNotFound(checkout_id)
    return checkout
