"""The Shopping domain: a cart, its lines and the rules that guard them.

Pure code: no I/O, no framework. A cart belongs to a customer or to an
anonymous session and is ``Active`` until it is cleared or checked out; both
are terminal, so every change to a closed cart is refused. Each line holds a
SKU, a quantity and the unit price the catalog quoted when the SKU was first
added: adding the same SKU again raises the quantity and keeps that price.

Limits (the product owner's numbers): at most ``MAX_LINES`` distinct SKUs per
cart and at most ``MAX_LINE_QUANTITY`` units per line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from services.kernel.errors import BadRequest, NotFound

MAX_LINES = 100
MAX_LINE_QUANTITY = 999
SKU_PATTERN = r"^[A-Z0-9-]+$"
SKU_MAX_LENGTH = 50
REASON_MAX_LENGTH = 200


class CartStatus(StrEnum):
    ACTIVE = "Active"
    CLEARED = "Cleared"
    CHECKED_OUT = "CheckedOut"


class CartNotFound(NotFound):
    """No cart with this id (or no active cart for this customer)."""


class CartClosed(BadRequest):
    """The cart is cleared or checked out; it can no longer change."""


class ItemNotInCart(NotFound):
    """The cart has no line for this SKU."""


class CartLimitExceeded(BadRequest):
    """The change would pass ``MAX_LINES`` or ``MAX_LINE_QUANTITY``."""


class EmptyCart(BadRequest):
    """An empty cart cannot be checked out."""


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Cart:
    """A cart and its lines, in the order they were first added."""

    cart_id: UUID
    customer_id: UUID | None
    session_id: str | None
    status: CartStatus = CartStatus.ACTIVE
    lines: tuple[CartLine, ...] = ()
    checkout_id: UUID | None = None
    clear_reason: str | None = None

    @property
    def total_amount(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))

    def line(self, sku: str) -> CartLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def add_item(self, sku: str, quantity: int, unit_price: Decimal) -> Cart:
        """This cart with ``quantity`` more of ``sku``; a new line takes ``unit_price``,
        an existing one keeps its first price."""
        self._require_active()
        _require_positive(quantity)
        existing = self.line(sku)
        if existing is None:
            if len(self.lines) >= MAX_LINES:
                raise CartLimitExceeded(f"a cart holds at most {MAX_LINES} different SKUs")
            _require_within_line_limit(sku, quantity)
            return self._with_lines((*self.lines, CartLine(sku, quantity, unit_price)))
        total = existing.quantity + quantity
        _require_within_line_limit(sku, total)
        return self._replace_line(dataclasses.replace(existing, quantity=total))

    def change_quantity(self, sku: str, new_quantity: int) -> Cart:
        """This cart with the line of ``sku`` set to ``new_quantity`` (its price kept)."""
        self._require_active()
        _require_positive(new_quantity)
        _require_within_line_limit(sku, new_quantity)
        existing = self._require_line(sku)
        return self._replace_line(dataclasses.replace(existing, quantity=new_quantity))

    def remove_item(self, sku: str) -> Cart:
        self._require_active()
        self._require_line(sku)
        return self._with_lines(tuple(line for line in self.lines if line.sku != sku))

    def clear(self, reason: str) -> Cart:
        """The cart emptied and closed for good (``Cleared``)."""
        self._require_active()
        return dataclasses.replace(self, status=CartStatus.CLEARED, lines=(), clear_reason=reason)

    def check_out(self, checkout_id: UUID) -> Cart:
        """The cart closed as ``CheckedOut``; its lines stay as the checkout's snapshot."""
        self._require_active()
        if not self.lines:
            raise EmptyCart(f"cart {self.cart_id} is empty")
        return dataclasses.replace(self, status=CartStatus.CHECKED_OUT, checkout_id=checkout_id)

    def _require_active(self) -> None:
        if self.status is not CartStatus.ACTIVE:
            raise CartClosed(f"cart {self.cart_id} is {self.status.value} and cannot change")

    def _require_line(self, sku: str) -> CartLine:
        line = self.line(sku)
        if line is None:
            raise ItemNotInCart(f"cart {self.cart_id} has no item {sku}")
        return line

    def _replace_line(self, changed: CartLine) -> Cart:
        return self._with_lines(
            tuple(changed if line.sku == changed.sku else line for line in self.lines)
        )

    def _with_lines(self, lines: tuple[CartLine, ...]) -> Cart:
        return dataclasses.replace(self, lines=lines)


def _require_positive(quantity: int) -> None:
    if quantity < 1:
        raise BadRequest("quantity must be at least 1")


def _require_within_line_limit(sku: str, quantity: int) -> None:
    if quantity > MAX_LINE_QUANTITY:
        raise CartLimitExceeded(
            f"at most {MAX_LINE_QUANTITY} units of {sku} per cart (asked for {quantity})"
        )
