"""The checkout wizard: pure rules from a started checkout to a placed order.

A checkout is opened by Shopping's CheckoutInitiated (same id, cart, customer,
item snapshot at catalog prices). The shopper then gives a shipping address,
a shipping method and a payment token, in any order and as often as they
like, and completes it once: completion turns it into an ``Order`` and stays
the checkout's answer for ever after (completing again returns the same order).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from services.contracts.messages import Address
from services.kernel.errors import BadRequest, NotFound, RequestRejected
from services.orders.order import Order, OrderLine

SHIPPING_METHODS: dict[str, Decimal] = {
    "Standard": Decimal("5.99"),
    "Express": Decimal("12.99"),
    "Overnight": Decimal("24.99"),
}
"""The shipping methods offered and what each costs."""


class CheckoutNotFound(NotFound):
    """No checkout with this id (yet: it appears once CheckoutInitiated has arrived)."""

    def __init__(self, checkout_id: UUID) -> None:
        super().__init__(
            f"checkout {checkout_id} not found (it appears shortly after the cart's checkout"
            " starts; retry briefly)"
        )


class CheckoutCompleted(BadRequest):
    """The checkout has been completed; its details can no longer change."""

    def __init__(self, checkout_id: UUID) -> None:
        super().__init__(f"checkout {checkout_id} is already completed")


class CheckoutIncomplete(BadRequest):
    """The checkout cannot become an order yet (or ever, e.g. an anonymous checkout)."""


class AddressNotOwned(RequestRejected):
    """403: the address belongs to another customer."""

    status_code = 403
    title = "Forbidden"


@dataclass(frozen=True)
class ShippingChoice:
    method: str
    cost: Decimal

    @classmethod
    def priced(cls, method: str, cost: Decimal | None) -> ShippingChoice:
        """``method`` at its listed price; a given ``cost`` must match that price."""
        listed = SHIPPING_METHODS.get(method)
        if listed is None:
            offered = ", ".join(f"{name} ({price})" for name, price in SHIPPING_METHODS.items())
            raise BadRequest(f"unknown shipping method {method!r}; offered: {offered}")
        if cost is not None and cost != listed:
            raise BadRequest(f"shipping method {method} costs {listed}, not {cost}")
        return cls(method, listed)


@dataclass(frozen=True)
class Checkout:
    id: UUID
    cart_id: UUID
    customer_id: UUID | None
    items: tuple[OrderLine, ...]
    started_at: datetime
    shipping_address: Address | None = None
    shipping: ShippingChoice | None = None
    payment_token: str | None = None
    order_id: UUID | None = None
    completed_at: datetime | None = None

    @property
    def is_completed(self) -> bool:
        return self.order_id is not None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.items), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + (self.shipping.cost if self.shipping else Decimal("0.00"))

    def with_address(self, address: Address) -> Checkout:
        return self._edit(shipping_address=address)

    def with_shipping(self, choice: ShippingChoice) -> Checkout:
        return self._edit(shipping=choice)

    def with_payment_token(self, token: str) -> Checkout:
        return self._edit(payment_token=token)

    def check_address_owner(self, owner: UUID) -> None:
        """A saved address may only be used by its own customer's checkout."""
        if self.customer_id is None:
            raise BadRequest("an anonymous checkout cannot use a saved address; give it inline")
        if owner != self.customer_id:
            raise AddressNotOwned("the address belongs to another customer")

    def place(self, order_id: UUID, now: datetime) -> tuple[Checkout, Order]:
        """Complete the checkout as order ``order_id``; raises CheckoutIncomplete naming
        every missing or invalid part."""
        if self.is_completed:
            raise CheckoutCompleted(self.id)
        problems = self._problems()
        if problems:
            raise CheckoutIncomplete(f"checkout {self.id} cannot be completed: {problems}")
        customer, address = self.customer_id, self.shipping_address
        shipping, token = self.shipping, self.payment_token
        if customer is None or address is None or shipping is None or token is None:
            raise AssertionError("checked by _problems")
        order = Order(
            id=order_id,
            checkout_id=self.id,
            customer_id=customer,
            lines=self.items,
            shipping_address=address,
            shipping_method=shipping.method,
            shipping_cost=shipping.cost,
            payment_token=token,
            placed_at=now,
            updated_at=now,
        )
        return dataclasses.replace(self, order_id=order_id, completed_at=now), order

    def _problems(self) -> str:
        missing = []
        if self.customer_id is None:
            missing.append("anonymous checkouts cannot be ordered; sign in first")
        if not self.items:
            missing.append("no items")
        if any(line.quantity <= 0 or line.unit_price <= 0 for line in self.items):
            missing.append("every item needs a positive quantity and price")
        if self.shipping_address is None:
            missing.append("no shipping address")
        if self.shipping is None:
            missing.append("no shipping method")
        if self.payment_token is None:
            missing.append("no payment method")
        return "; ".join(missing)

    def _edit(self, **changes: object) -> Checkout:
        if self.is_completed:
            raise CheckoutCompleted(self.id)
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
