"""Customer Identity's domain: customers, their address books, the rules, and the store port.

Pure code: no I/O, no framework. The rules of an address book (Part B, Customer Identity):

* an address is for ``Shipping``, ``Billing`` or ``Both``; a listing filtered by a type
  also shows the ``Both`` addresses;
* nicknames are unique within one customer's book (case-insensitively: "Home" and "home"
  would be indistinguishable in a picker);
* at most one default covers each purpose: making an address the default clears every
  other default whose type overlaps its own (``Both`` overlaps everything);
* an address belongs to one customer for ever; touching another customer's is 403.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Protocol
from uuid import UUID

from services.kernel.errors import Conflict, NotFound, RequestRejected


class AddressType(StrEnum):
    SHIPPING = "Shipping"
    BILLING = "Billing"
    BOTH = "Both"

    def overlaps(self, other: AddressType) -> bool:
        """Whether one default address of each type would serve the same purpose."""
        return self is other or AddressType.BOTH in (self, other)

    def usable_for(self, wanted: AddressType) -> bool:
        """Whether an address of this type is listed under the filter ``wanted``."""
        return self is wanted or self is AddressType.BOTH


class Forbidden(RequestRejected):
    """403: the resource exists but belongs to someone else."""

    status_code: ClassVar[int] = 403
    title: ClassVar[str] = "Forbidden"


class CustomerNotFound(NotFound):
    def __init__(self, customer_id: UUID) -> None:
        super().__init__(f"customer {customer_id} not found")


class DuplicateCustomer(Conflict):
    """The customer id, or the email address (in any letter case), is already taken."""


class AddressNotFound(NotFound):
    def __init__(self, address_id: UUID) -> None:
        super().__init__(f"address {address_id} not found")
        self.address_id = address_id


class AddressOfAnotherCustomer(Forbidden):
    def __init__(self, address_id: UUID) -> None:
        super().__init__(f"address {address_id} belongs to another customer")


class DuplicateNickname(Conflict):
    def __init__(self, nickname: str) -> None:
        super().__init__(f"this customer already has an address nicknamed {nickname!r}")


@dataclass(frozen=True)
class Customer:
    id: UUID
    email: str
    first_name: str
    last_name: str
    created_at: datetime


@dataclass(frozen=True)
class Credentials:
    """What login needs: whose account an email opens, and its password hash."""

    customer_id: UUID
    password_hash: str


@dataclass(frozen=True)
class PostalAddress:
    """Where to deliver: the integration contracts' ``Address`` shape."""

    address_line1: str
    city: str
    state_or_province: str
    postal_code: str
    country: str
    address_line2: str | None = None


@dataclass(frozen=True)
class AddressDetails:
    """Everything a customer chooses about an address (an update replaces all of it)."""

    type: AddressType
    nickname: str
    postal: PostalAddress


@dataclass(frozen=True)
class Address:
    id: UUID
    customer_id: UUID
    details: AddressDetails
    created_at: datetime
    is_default: bool = False
    is_verified: bool = True  # the verification stub accepts every address (Part B)
    last_used_at: datetime | None = None

    @property
    def type(self) -> AddressType:
        return self.details.type

    @property
    def display_line(self) -> str:
        postal = self.details.postal
        return (
            f"{self.details.nickname} - {postal.address_line1}, {postal.city}, "
            f"{postal.state_or_province} {postal.postal_code}"
        )


@dataclass(frozen=True)
class AddressBook:
    """One customer's addresses, oldest first; every change returns a new book."""

    customer_id: UUID
    addresses: tuple[Address, ...] = ()

    def get(self, address_id: UUID) -> Address:
        """The address; AddressNotFound if it is not in this book."""
        for address in self.addresses:
            if address.id == address_id:
                return address
        raise AddressNotFound(address_id)

    def of_type(self, wanted: AddressType | None) -> tuple[Address, ...]:
        if wanted is None:
            return self.addresses
        return tuple(address for address in self.addresses if address.type.usable_for(wanted))

    def add(self, address: Address) -> AddressBook:
        self._check_nickname(address.details.nickname, except_id=None)
        book = self._clear_defaults(address.type, except_id=None) if address.is_default else self
        return dataclasses.replace(book, addresses=(*book.addresses, address))

    def revise(self, address_id: UUID, details: AddressDetails) -> AddressBook:
        """Replace the address's details; a default stays default and, if its type changed,
        the defaults it now overlaps are cleared."""
        current = self.get(address_id)
        self._check_nickname(details.nickname, except_id=address_id)
        book = (
            self._clear_defaults(details.type, except_id=address_id) if current.is_default else self
        )
        return book._put(dataclasses.replace(current, details=details))

    def make_default(self, address_id: UUID) -> AddressBook:
        current = self.get(address_id)
        book = self._clear_defaults(current.type, except_id=address_id)
        return book._put(dataclasses.replace(current, is_default=True))

    def changed_since(self, before: AddressBook) -> tuple[Address, ...]:
        """Addresses that are new or differ from ``before``: what a store must write."""
        old = {address.id: address for address in before.addresses}
        return tuple(address for address in self.addresses if old.get(address.id) != address)

    def _check_nickname(self, nickname: str, *, except_id: UUID | None) -> None:
        folded = nickname.casefold()
        for address in self.addresses:
            if address.id != except_id and address.details.nickname.casefold() == folded:
                raise DuplicateNickname(nickname)

    def _clear_defaults(self, type_: AddressType, *, except_id: UUID | None) -> AddressBook:
        return dataclasses.replace(
            self,
            addresses=tuple(
                dataclasses.replace(address, is_default=False)
                if address.is_default and address.id != except_id and address.type.overlaps(type_)
                else address
                for address in self.addresses
            ),
        )

    def _put(self, changed: Address) -> AddressBook:
        return dataclasses.replace(
            self,
            addresses=tuple(changed if a.id == changed.id else a for a in self.addresses),
        )


def ownership_error(address_id: UUID, owner: UUID | None) -> RequestRejected:
    """Why an address is not in the asking customer's book: absent (404) or not theirs (403)."""
    return AddressNotFound(address_id) if owner is None else AddressOfAnotherCustomer(address_id)


def uuid7(now: datetime) -> UUID:
    """A new time-ordered id (RFC 9562 version 7): 48 bits of Unix milliseconds, then random."""
    value = (int(now.timestamp() * 1000) & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10))
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return UUID(int=value)


AddressBookChange = Callable[[AddressBook], AddressBook]


class IdentityStore(Protocol):
    """Where customers and addresses live. Real adapter: ``store.PostgresIdentityStore``;
    fake: ``memory_store.InMemoryIdentityStore``."""

    async def add_customer(self, customer: Customer, password_hash: str) -> None:
        """Insert; DuplicateCustomer if the id or the email (any case) is taken."""
        ...

    async def get_customer(self, customer_id: UUID) -> Customer:
        """The customer; CustomerNotFound if absent."""
        ...

    async def find_credentials(self, email: str) -> Credentials | None:
        """The credentials of the account with this email (any case), if there is one."""
        ...

    async def address_book(self, customer_id: UUID) -> AddressBook:
        """The customer's addresses; CustomerNotFound if absent."""
        ...

    async def get_address(self, customer_id: UUID, address_id: UUID) -> Address:
        """One address of the customer; 404 if absent, 403 if another customer's."""
        ...

    async def change_address_book(
        self, customer_id: UUID, change: AddressBookChange
    ) -> AddressBook:
        """Atomically replace the customer's book by ``change(book)`` (changes of one customer's
        book are serialised) and return it. CustomerNotFound if absent; AddressNotFound from
        ``change`` becomes AddressOfAnotherCustomer when the address exists elsewhere; any other
        error of ``change`` propagates and nothing is written."""
        ...

    async def use_address(
        self, address_id: UUID, now: datetime, *, customer_id: UUID | None = None
    ) -> Address:
        """Stamp ``last_used_at = now`` and return the address; 404 if absent, 403 if
        ``customer_id`` is given and is not the owner (then nothing is stamped)."""
        ...
