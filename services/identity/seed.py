"""Seed customers: Alice of the original system, and a pool of 2,000 for load tests.

``seed_customers`` runs as a database set-up step after the migrations. It fills an empty
``customers`` table and leaves a non-empty one alone, under a transaction-scoped advisory
lock so replicas starting together seed exactly once. Rows go in with ``COPY`` (two
statements in all); the password hashes, about 0.8 s of CPU for 2,001 customers, are
computed in a worker thread so the process keeps answering ``/health/live`` meanwhile.

Who is seeded (ids are deterministic, so load tests can compute them without asking):

* **Alice**: id ``11111111-1111-1111-1111-111111111111``, ``alice@example.com``, Alice
  Johnson, password ``alice-critter-pass``. Addresses (both Shipping, both verified):
  "Home" 123 Main Street, Apt 4B, Seattle WA 98101, US (the default) and "Office"
  456 Corporate Blvd, Suite 200, Bellevue WA 98004, US.
* **The pool**: ``customer0001@example.com`` .. ``customer2000@example.com``, first name
  "Customer", last name the four digits, password ``critter-pass-NNNN`` with the same
  four digits (``customer0042@example.com`` / ``critter-pass-0042``). Customer id:
  ``uuid.uuid5(uuid.NAMESPACE_URL, "mailto:" + email)``. Each has one default Shipping
  address nicknamed "Home" at "NNNN Critter Lane", Portland OR 97201, US.
* Every seeded address id is ``uuid.uuid5(customer_id, nickname)``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from services.identity.domain import (
    Address,
    AddressDetails,
    AddressType,
    Customer,
    PostalAddress,
)
from services.identity.passwords import hash_password
from services.identity.store import (
    ADDRESS_COLUMNS,
    CUSTOMER_COLUMNS,
    address_row,
    customer_row,
)

log = logging.getLogger(__name__)

_SEED_LOCK = "critter-sandbox:identity-seed"

ALICE_ID = UUID("11111111-1111-1111-1111-111111111111")
ALICE_EMAIL = "alice@example.com"
ALICE_PASSWORD = "alice-critter-pass"
POOL_SIZE = 2_000


def pool_email(number: int) -> str:
    return f"customer{number:04d}@example.com"


def pool_password(number: int) -> str:
    return f"critter-pass-{number:04d}"


def seeded_customer_id(email: str) -> UUID:
    """The id of a pool customer (Alice keeps the original's fixed id)."""
    return uuid5(NAMESPACE_URL, f"mailto:{email}")


def seeded_address_id(customer_id: UUID, nickname: str) -> UUID:
    return uuid5(customer_id, nickname)


SeedCustomer = tuple[Customer, str, tuple[Address, ...]]
"""A seed customer, their password (in clear), their addresses."""


def seed_people(now: datetime) -> list[SeedCustomer]:
    """Alice, then the pool, all created at ``now`` (Alice's Office 1 ms later, to list second)."""
    alice = Customer(ALICE_ID, ALICE_EMAIL, "Alice", "Johnson", now)
    home = PostalAddress("123 Main Street", "Seattle", "WA", "98101", "US", "Apt 4B")
    office = PostalAddress("456 Corporate Blvd", "Bellevue", "WA", "98004", "US", "Suite 200")
    later = now + timedelta(milliseconds=1)
    people: list[SeedCustomer] = [
        (
            alice,
            ALICE_PASSWORD,
            (_address(alice, "Home", home, now, True), _address(alice, "Office", office, later)),
        )
    ]
    for number in range(1, POOL_SIZE + 1):
        email = pool_email(number)
        customer = Customer(seeded_customer_id(email), email, "Customer", f"{number:04d}", now)
        lane = PostalAddress(f"{number} Critter Lane", "Portland", "OR", "97201", "US")
        people.append(
            (customer, pool_password(number), (_address(customer, "Home", lane, now, True),))
        )
    return people


async def seed_customers(connection: Any) -> int:
    """Insert the seed customers if ``customers`` is empty; return how many were inserted."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _SEED_LOCK)
        if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM customers)"):
            return 0
        now = await connection.fetchval("SELECT now()")
        customers, addresses = await asyncio.to_thread(_seed_rows, now)
        await connection.copy_records_to_table(
            "customers", records=customers, columns=CUSTOMER_COLUMNS
        )
        await connection.copy_records_to_table(
            "addresses", records=addresses, columns=ADDRESS_COLUMNS
        )
    log.info("seeded %d customers and %d addresses", len(customers), len(addresses))
    return len(customers)


def _seed_rows(now: datetime) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    # hashlib releases the GIL while hashing, so this thread leaves the event loop free.
    people = seed_people(now)
    customers = [
        customer_row(customer, hash_password(password)) for customer, password, _ in people
    ]
    addresses = [address_row(address) for _, _, owned in people for address in owned]
    return customers, addresses


def _address(
    owner: Customer,
    nickname: str,
    postal: PostalAddress,
    created_at: datetime,
    default: bool = False,
) -> Address:
    return Address(
        id=seeded_address_id(owner.id, nickname),
        customer_id=owner.id,
        details=AddressDetails(AddressType.SHIPPING, nickname, postal),
        created_at=created_at,
        is_default=default,
    )
