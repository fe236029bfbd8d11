"""HTTP request and response bodies of Shopping (JSON in camelCase, nulls omitted).

Money follows ``services.kernel.money``: strings with two decimals (``"19.99"``).
Unknown fields are refused (400), so a client that still sends ``unitPrice``
learns that prices come from the catalog instead of having it silently ignored.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from services.kernel.api_models import CamelModel
from services.kernel.money import NonNegativeMoney
from services.shopping.domain import (
    MAX_LINE_QUANTITY,
    REASON_MAX_LENGTH,
    SKU_MAX_LENGTH,
    SKU_PATTERN,
    Cart,
    CartLine,
    CartStatus,
)

Sku = Annotated[
    str, StringConstraints(pattern=SKU_PATTERN, min_length=1, max_length=SKU_MAX_LENGTH)
]
Quantity = Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY, strict=True)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX_LENGTH)
]
SessionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

DEFAULT_CLEAR_REASON = "Cleared by the customer"


class OpenCart(CamelModel):
    """Body of ``POST /api/carts``: the owner, a customer or an anonymous session."""

    customer_id: UUID | None = None
    session_id: SessionId | None = None

    @model_validator(mode="after")
    def _needs_an_owner(self) -> OpenCart:
        if self.customer_id is None and self.session_id is None:
            raise ValueError("give customerId or sessionId")
        return self


class CartOpened(CamelModel):
    cart_id: UUID


class AddItem(CamelModel):
    """Body of ``POST /api/carts/{id}/items``; the price comes from the catalog."""

    sku: Sku
    quantity: Quantity


class ChangeQuantity(CamelModel):
    new_quantity: Quantity


class ClearCart(CamelModel):
    reason: Reason = DEFAULT_CLEAR_REASON


class CheckoutStarted(CamelModel):
    checkout_id: UUID


class CartItemView(CamelModel):
    sku: str
    quantity: int
    unit_price: NonNegativeMoney
    line_total: NonNegativeMoney

    @classmethod
    def from_domain(cls, line: CartLine) -> CartItemView:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.line_total,
        )


class CartView(CamelModel):
    """A cart as returned by every cart endpoint."""

    cart_id: UUID
    customer_id: UUID | None = None
    session_id: str | None = None
    status: CartStatus
    items: list[CartItemView]
    item_count: int  # distinct lines, as in the Storefront's cart-updated event
    total_amount: NonNegativeMoney
    checkout_id: UUID | None = None
    clear_reason: str | None = None

    @classmethod
    def from_domain(cls, cart: Cart) -> CartView:
        return cls(
            cart_id=cart.cart_id,
            customer_id=cart.customer_id,
            session_id=cart.session_id,
            status=cart.status,
            items=[CartItemView.from_domain(line) for line in cart.lines],
            item_count=len(cart.lines),
            total_amount=cart.total_amount,
            checkout_id=cart.checkout_id,
            clear_reason=cart.clear_reason,
        )
