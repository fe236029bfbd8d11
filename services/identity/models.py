"""HTTP request and response bodies of Customer Identity (JSON in camelCase, nulls omitted).

Unknown fields are rejected (400), so a misspelt field never passes silently. Every text
field refuses NUL characters and unpaired surrogates: PostgreSQL cannot store either, and
bad input must end as a 400, never as a 500 from the database driver.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, StringConstraints

from services.identity.domain import (
    Address,
    AddressDetails,
    AddressType,
    Customer,
    PostalAddress,
)
from services.kernel.api_models import CamelModel


def _storable(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no unpaired surrogates)") from None
    return text


Storable = AfterValidator(_storable)


def _text(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=256, pattern=EMAIL_PATTERN), Storable
]
PersonName = Annotated[str, _text(1, 100), Storable]
Nickname = Annotated[str, _text(1, 50), Storable]
Line = Annotated[str, _text(1, 100), Storable]
OptionalLine = Annotated[str, _text(0, 100), Storable]
Place = Annotated[str, _text(1, 50), Storable]
PostalCode = Annotated[str, _text(1, 20), Storable]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
# Not stripped: spaces are part of a password. The upper bound keeps hashing cheap.
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=128)]
GivenPassword = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class NewCustomer(CamelModel):
    """``customerId`` is optional: the original let the client choose it; we make one if not."""

    customer_id: UUID | None = None
    email: Email
    first_name: PersonName
    last_name: PersonName
    password: NewPassword


class CustomerView(CamelModel):
    id: UUID
    email: str
    first_name: str
    last_name: str
    created_at: datetime

    @classmethod
    def from_domain(cls, customer: Customer) -> CustomerView:
        return cls(
            id=customer.id,
            email=customer.email,
            first_name=customer.first_name,
            last_name=customer.last_name,
            created_at=customer.created_at,
        )


class AddressFields(CamelModel):
    """The body of ``PUT`` (a full replacement); ``POST`` adds ``isDefault``."""

    type: AddressType
    nickname: Nickname
    address_line1: Line
    address_line2: OptionalLine | None = None
    city: Place
    state_or_province: Place
    postal_code: PostalCode
    country: Country

    def to_domain(self) -> AddressDetails:
        postal = PostalAddress(
            address_line1=self.address_line1,
            address_line2=self.address_line2 or None,  # "" means "no second line"
            city=self.city,
            state_or_province=self.state_or_province,
            postal_code=self.postal_code,
            country=self.country,
        )
        return AddressDetails(type=self.type, nickname=self.nickname, postal=postal)


class NewAddress(AddressFields):
    is_default: bool = False


class AddressSummary(CamelModel):
    """One line of ``GET /api/customers/{id}/addresses``."""

    id: UUID
    type: AddressType
    nickname: str
    display_line: str
    is_default: bool
    is_verified: bool

    @classmethod
    def from_domain(cls, address: Address) -> AddressSummary:
        return cls(
            id=address.id,
            type=address.type,
            nickname=address.details.nickname,
            display_line=address.display_line,
            is_default=address.is_default,
            is_verified=address.is_verified,
        )


class AddressSnapshot(CamelModel):
    """The contracts' ``Address`` shape, as Orders copies it into an order."""

    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str

    @classmethod
    def from_domain(cls, postal: PostalAddress) -> AddressSnapshot:
        return cls(
            address_line1=postal.address_line1,
            address_line2=postal.address_line2,
            city=postal.city,
            state_or_province=postal.state_or_province,
            postal_code=postal.postal_code,
            country=postal.country,
        )


class AddressView(CamelModel):
    """A whole address, as the address-book endpoints return it."""

    id: UUID
    customer_id: UUID
    type: AddressType
    nickname: str
    display_line: str
    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str
    is_default: bool
    is_verified: bool
    created_at: datetime
    last_used_at: datetime | None = None

    @classmethod
    def from_domain(cls, address: Address) -> AddressView:
        postal = address.details.postal
        return cls(
            id=address.id,
            customer_id=address.customer_id,
            type=address.type,
            nickname=address.details.nickname,
            display_line=address.display_line,
            address_line1=postal.address_line1,
            address_line2=postal.address_line2,
            city=postal.city,
            state_or_province=postal.state_or_province,
            postal_code=postal.postal_code,
            country=postal.country,
            is_default=address.is_default,
            is_verified=address.is_verified,
            created_at=address.created_at,
            last_used_at=address.last_used_at,
        )


class LoginRequest(CamelModel):
    email: Email
    password: GivenPassword


class LoginResult(CamelModel):
    customer_id: UUID
    token: str
    expires_at: datetime
