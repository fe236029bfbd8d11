"""HTTP request bodies of the Orders service (JSON in camelCase; unknown fields -> 400).

Money follows ``services.kernel.money`` (a JSON number or string in, a string
with two decimals out). Response bodies are in ``services.orders.views``.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import AliasChoices, Field, StringConstraints, model_validator

from services.contracts.messages import Address
from services.kernel.api_models import CamelModel
from services.kernel.money import NonNegativeMoney

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
MethodName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
PaymentToken = Annotated[str, StringConstraints(pattern=r"^\S{1,100}$")]


class AddressBody(CamelModel):
    """A shipping address given inline; ``country`` is an ISO 3166 alpha-2 code."""

    address_line1: Line
    address_line2: Line | None = None
    city: Place
    state_or_province: Place
    postal_code: PostalCode
    country: Country

    def to_contract(self) -> Address:
        return Address(
            address_line1=self.address_line1,
            address_line2=self.address_line2,
            city=self.city,
            state_or_province=self.state_or_province,
            postal_code=self.postal_code,
            country=self.country,
        )

    @classmethod
    def from_contract(cls, address: Address) -> AddressBody:
        return cls.model_validate(address.model_dump())


class _AddressChoice(CamelModel):
    address_id: UUID | None = None
    address: AddressBody | None = None

    @model_validator(mode="after")
    def _at_most_one_address(self) -> _AddressChoice:
        if self.address_id is not None and self.address is not None:
            raise ValueError("give either addressId or address, not both")
        return self


class ShippingAddressBody(_AddressChoice):
    """``PUT .../shipping-address``: a saved address of the customer (``addressId``,
    resolved through Customer Identity) or an inline ``address``."""

    @model_validator(mode="after")
    def _one_address(self) -> ShippingAddressBody:
        if self.address_id is None and self.address is None:
            raise ValueError("give addressId or address")
        return self


class ShippingMethodBody(CamelModel):
    """``PUT .../shipping-method``: ``method`` (Standard, Express, Overnight) and optionally
    ``cost``, which must then equal the method's price."""

    method: MethodName = Field(validation_alias=AliasChoices("method", "shippingMethod"))
    cost: NonNegativeMoney | None = Field(
        default=None, validation_alias=AliasChoices("cost", "shippingCost")
    )


class PaymentMethodBody(CamelModel):
    """``PUT .../payment-method``: the payment gateway's token (no whitespace, at most 100)."""

    token: PaymentToken = Field(validation_alias=AliasChoices("token", "paymentMethodToken"))


class CompleteBody(_AddressChoice):
    """``POST .../complete``: optionally every step at once, so one call can finish a
    checkout; steps given here replace what was given before."""

    shipping_method: MethodName | None = None
    shipping_cost: NonNegativeMoney | None = None
    payment_method_token: PaymentToken | None = None

    @model_validator(mode="after")
    def _cost_needs_method(self) -> CompleteBody:
        if self.shipping_cost is not None and self.shipping_method is None:
            raise ValueError("shippingCost needs shippingMethod")
        return self
