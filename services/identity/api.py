"""HTTP routes for customers and their address books: thin adapters to the domain and store.

=======  ===============================================  =================================
POST     /api/customers                                   201 + Location; 409 id/email taken
GET      /api/customers/{id}                              200; 404
POST     /api/customers/{id}/addresses                    201 + Location; 404; 409 nickname
GET      /api/customers/{id}/addresses?type=              200 summaries; 404
GET      /api/customers/{id}/addresses/{addressId}        200; 404; 403 another's address
PUT      /api/customers/{id}/addresses/{addressId}        200; 404; 403; 409 nickname
POST     /api/customers/{id}/addresses/{addressId}/       200; 404; 403
         set-default
GET      /api/addresses/{id}/snapshot[?customerId=]       200 contract Address; 404; 403 if
                                                          not that customer's; stamps lastUsedAt
=======  ===============================================  =================================

Bad input is a 400 problem naming the field (kernel); 503 while the database is unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from services.identity.domain import Address, AddressType, Customer, IdentityStore, uuid7
from services.identity.models import (
    AddressFields,
    AddressSnapshot,
    AddressSummary,
    AddressView,
    CustomerView,
    NewAddress,
    NewCustomer,
)
from services.identity.passwords import hash_password
from services.identity.store import PostgresIdentityStore
from services.kernel.problems import problem_doc
from services.kernel.runtime import RuntimeDep

CUSTOMERS = "/api/customers"

router = APIRouter(tags=["customers"], responses=problem_doc(400, 503))


def get_store(runtime: RuntimeDep) -> IdentityStore:
    """The identity store of this process (tests override this dependency)."""
    return PostgresIdentityStore(runtime.database.pool)


StoreDep = Annotated[IdentityStore, Depends(get_store)]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(CUSTOMERS, status_code=201, responses=problem_doc(409))
async def create_customer(body: NewCustomer, store: StoreDep, response: Response) -> CustomerView:
    """Register a customer with a password (at least 8 characters)."""
    now = _now()
    customer = Customer(
        id=body.customer_id or uuid7(now),
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        created_at=now,
    )
    await store.add_customer(customer, hash_password(body.password))
    response.headers["Location"] = f"{CUSTOMERS}/{customer.id}"
    return CustomerView.from_domain(customer)


@router.get(CUSTOMERS + "/{customer_id}", responses=problem_doc(404))
async def get_customer(customer_id: UUID, store: StoreDep) -> CustomerView:
    return CustomerView.from_domain(await store.get_customer(customer_id))


@router.post(
    CUSTOMERS + "/{customer_id}/addresses",
    status_code=201,
    response_model_exclude_none=True,
    responses=problem_doc(404, 409),
)
async def add_address(
    customer_id: UUID, body: NewAddress, store: StoreDep, response: Response
) -> AddressView:
    """Add an address; ``isDefault: true`` clears the defaults of overlapping types."""
    now = _now()
    address = Address(
        id=uuid7(now),
        customer_id=customer_id,
        details=body.to_domain(),
        created_at=now,
        is_default=body.is_default,
    )
    await store.change_address_book(customer_id, lambda book: book.add(address))
    response.headers["Location"] = f"{CUSTOMERS}/{customer_id}/addresses/{address.id}"
    return AddressView.from_domain(address)


@router.get(CUSTOMERS + "/{customer_id}/addresses", responses=problem_doc(404))
async def list_addresses(
    customer_id: UUID, store: StoreDep, type: AddressType | None = None
) -> list[AddressSummary]:
    """The customer's addresses, oldest first; ``type`` also matches ``Both`` addresses."""
    book = await store.address_book(customer_id)
    return [AddressSummary.from_domain(address) for address in book.of_type(type)]


@router.get(
    CUSTOMERS + "/{customer_id}/addresses/{address_id}",
    response_model_exclude_none=True,
    responses=problem_doc(403, 404),
)
async def get_address(customer_id: UUID, address_id: UUID, store: StoreDep) -> AddressView:
    return AddressView.from_domain(await store.get_address(customer_id, address_id))


@router.put(
    CUSTOMERS + "/{customer_id}/addresses/{address_id}",
    response_model_exclude_none=True,
    responses=problem_doc(403, 404, 409),
)
async def update_address(
    customer_id: UUID, address_id: UUID, body: AddressFields, store: StoreDep
) -> AddressView:
    """Replace the address's details; whether it is the default does not change."""
    details = body.to_domain()
    book = await store.change_address_book(
        customer_id, lambda book: book.revise(address_id, details)
    )
    return AddressView.from_domain(book.get(address_id))


@router.post(
    CUSTOMERS + "/{customer_id}/addresses/{address_id}/set-default",
    response_model_exclude_none=True,
    responses=problem_doc(403, 404),
)
async def set_default_address(customer_id: UUID, address_id: UUID, store: StoreDep) -> AddressView:
    """Make the address the default for its type, clearing overlapping defaults."""
    book = await store.change_address_book(customer_id, lambda book: book.make_default(address_id))
    return AddressView.from_domain(book.get(address_id))


@router.get(
    "/api/addresses/{address_id}/snapshot",
    response_model_exclude_none=True,
    responses=problem_doc(403, 404),
)
async def address_snapshot(
    address_id: UUID,
    store: StoreDep,
    customer_id: Annotated[UUID | None, Query(alias="customerId")] = None,
) -> AddressSnapshot:
    """The address as it is now, for copying into an order; records that it was used.
    With ``customerId``, another customer's address is refused (403)."""
    address = await store.use_address(address_id, _now(), customer_id=customer_id)
    return AddressSnapshot.from_domain(address.details.postal)
