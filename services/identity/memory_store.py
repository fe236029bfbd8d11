"""``InMemoryIdentityStore``: the ``IdentityStore`` port kept in dicts.

A first-class fake with the observable behaviour of ``PostgresIdentityStore`` (duplicate
ids and emails in any case, 404 versus 403 for addresses, atomic book changes), for fast
tests of the API and of the address rules.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from uuid import UUID

from services.identity.domain import (
    Address,
    AddressBook,
    AddressBookChange,
    AddressNotFound,
    Credentials,
    Customer,
    CustomerNotFound,
    DuplicateCustomer,
    ownership_error,
)


class InMemoryIdentityStore:
    def __init__(self) -> None:
        self._customers: dict[UUID, Customer] = {}
        self._hashes: dict[UUID, str] = {}
        self._books: dict[UUID, AddressBook] = {}
        self._lock = asyncio.Lock()

    async def add_customer(self, customer: Customer, password_hash: str) -> None:
        async with self._lock:
            if customer.id in self._customers:
                raise DuplicateCustomer(f"customer {customer.id} already exists")
            if await self.find_credentials(customer.email) is not None:
                raise DuplicateCustomer(f"a customer with email {customer.email} exists")
            self._customers[customer.id] = customer
            self._hashes[customer.id] = password_hash
            self._books[customer.id] = AddressBook(customer.id)

    async def get_customer(self, customer_id: UUID) -> Customer:
        customer = self._customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer

    async def find_credentials(self, email: str) -> Credentials | None:
        wanted = email.lower()
        for customer in self._customers.values():
            if customer.email.lower() == wanted:
                return Credentials(customer.id, self._hashes[customer.id])
        return None

    async def address_book(self, customer_id: UUID) -> AddressBook:
        book = self._books.get(customer_id)
        if book is None:
            raise CustomerNotFound(customer_id)
        return book

    async def get_address(self, customer_id: UUID, address_id: UUID) -> Address:
        found = self._find(address_id)
        if found is None or found.customer_id != customer_id:
            raise ownership_error(address_id, None if found is None else found.customer_id)
        return found

    async def change_address_book(
        self, customer_id: UUID, change: AddressBookChange
    ) -> AddressBook:
        async with self._lock:
            before = await self.address_book(customer_id)
            try:
                after = change(before)
            except AddressNotFound as missing:
                found = self._find(missing.address_id)
                raise ownership_error(
                    missing.address_id, None if found is None else found.customer_id
                ) from None
            self._books[customer_id] = after
            return after

    async def use_address(
        self, address_id: UUID, now: datetime, *, customer_id: UUID | None = None
    ) -> Address:
        async with self._lock:
            found = self._find(address_id)
            if found is None or customer_id not in (None, found.customer_id):
                raise ownership_error(address_id, None if found is None else found.customer_id)
            used = dataclasses.replace(found, last_used_at=now)
            book = self._books[found.customer_id]
            self._books[found.customer_id] = dataclasses.replace(
                book,
                addresses=tuple(used if a.id == address_id else a for a in book.addresses),
            )
            return used

    def _find(self, address_id: UUID) -> Address | None:
        for book in self._books.values():
            for address in book.addresses:
                if address.id == address_id:
                    return address
        return None
