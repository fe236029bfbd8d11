"""Money amounts: exact decimals with two places, written to JSON as strings.

Every service uses ``Money`` for prices and totals so one rule holds across
the system:

* **in Python** an amount is a ``decimal.Decimal`` quantised to cents;
* **in JSON** it is written as a string with exactly two decimals, e.g.
  ``"19.99"``, so no client ever routes an amount through a binary float;
* **on input** a JSON number (``19.99``) or string (``"19.99"``) is accepted;
  more than two decimal places, more than 12 digits, NaN or infinity are
  rejected (HTTP 400);
* **in PostgreSQL** amounts are ``numeric(12,2)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """``value`` with exactly two decimal places (``Decimal("5")`` -> ``Decimal("5.00")``)."""
    return value.quantize(CENT)


def format_money(value: Decimal) -> str:
    """The JSON form of an amount: ``Decimal("5")`` -> ``"5.00"``."""
    return f"{to_cents(value):f}"


Money = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=2, allow_inf_nan=False, examples=["19.99"]),
    AfterValidator(to_cents),
    PlainSerializer(format_money, return_type=str, when_used="json"),
]
"""An amount of money; see the module docstring for its JSON form."""

NonNegativeMoney = Annotated[Money, Field(ge=0)]
"""A price or total: an amount that may be zero but never negative."""
