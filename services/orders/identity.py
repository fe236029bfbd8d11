"""Customer Identity as Orders sees it: the snapshot of a saved address, and its owner.

``GET {UPSTREAM_IDENTITY_URL}/api/addresses/{id}/snapshot`` (through the
``orders->identity`` Toxiproxy link) answers the address fields (and stamps the
address as used). When that body names its owner (``customerId``), one call is
enough; when it does not, ownership is confirmed with
``GET /api/customers/{customerId}/addresses/{id}``, which Identity answers 403 for
another customer's address. Failures are translated here, at the adapter:

* 404 -> ``UnknownAddress`` (400: the address named in the request does not exist);
* 401 -> ``IdentityRefusedCaller`` (401; the caller's ``Authorization`` is passed on);
* 403 -> ``AddressNotOwned`` (403);
* no answer, a timeout, a 5xx -> ``IdentityUnavailable`` (503 with ``Retry-After``);
* a body without the expected fields -> ``IdentityContractBroken`` (502).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from services.contracts.messages import Address
from services.kernel.errors import BadRequest, DependencyUnavailable, RequestRejected
from services.kernel.http_client import NoAnswer, Reply, Sender, as_sender, open_sender
from services.orders.checkout import AddressNotOwned

log = logging.getLogger(__name__)


class UnknownAddress(BadRequest):
    """The saved address named by ``addressId`` does not exist."""


class IdentityRefusedCaller(RequestRejected):
    """401: Customer Identity wants the customer's token (send ``Authorization``)."""

    status_code = 401
    title = "Unauthorized"


class IdentityUnavailable(DependencyUnavailable):
    """Customer Identity did not answer usably; the client may retry."""

    dependency = "customer identity"


class IdentityContractBroken(RequestRejected):
    """502: Customer Identity answered something this service cannot read."""

    status_code = 502
    title = "Bad Gateway"


@dataclass(frozen=True)
class AddressSnapshot:
    owner: UUID
    address: Address


class AddressBook(Protocol):
    """Port: resolves saved addresses (real: ``IdentityAddressBook``; tests use a fake)."""

    async def snapshot(
        self, address_id: UUID, *, customer_id: UUID, authorization: str | None
    ) -> AddressSnapshot:
        """The address, and its owner; raises for an unknown or another customer's one."""
        ...


class _SnapshotBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")
    customer_id: UUID | None = None
    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str


class IdentityAddressBook:
    """The real adapter; ``client`` is a sender, or an ``httpx.AsyncClient`` whose base URL
    is Identity's."""

    def __init__(self, client: Sender | httpx.AsyncClient) -> None:
        self._sender = as_sender(client)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, base_url: str, *, timeout_s: float, max_connections: int = 20
    ) -> AsyncIterator[IdentityAddressBook]:
        """An address book over aiohttp for the lifespan of the app."""
        async with open_sender(
            base_url, timeout_s=timeout_s, max_connections=max_connections
        ) as sender:
            yield cls(sender)

    async def snapshot(
        self, address_id: UUID, *, customer_id: UUID, authorization: str | None
    ) -> AddressSnapshot:
        headers = {"Authorization": authorization} if authorization else {}
        response = await self._get(f"/api/addresses/{address_id}/snapshot", headers)
        body = _read(_SnapshotBody, response, address_id)
        owner = body.customer_id
        if owner is None:
            path = f"/api/customers/{customer_id}/addresses/{address_id}"
            owner = _read(_OwnerBody, await self._get(path, headers), address_id).customer_id
        address = Address.model_validate(body.model_dump(exclude={"customer_id"}))
        return AddressSnapshot(owner=owner or customer_id, address=address)

    async def _get(self, path: str, headers: dict[str, str]) -> Reply:
        try:
            return await self._sender.send("GET", path, headers=headers)
        except NoAnswer as exc:
            raise IdentityUnavailable(exc.reason) from exc


class _OwnerBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")
    customer_id: UUID | None = None


_Body = TypeVar("_Body", bound=BaseModel)


def _read(model: type[_Body], response: Reply, address_id: UUID) -> _Body:
    """The body of a 200 answer as ``model``, or the error its status means."""
    status = response.status
    if status == 404:
        raise UnknownAddress(f"address {address_id} not found")
    if status == 401:
        raise IdentityRefusedCaller("customer identity refused the address look-up: sign in")
    if status == 403:
        raise AddressNotOwned("the address belongs to another customer")
    if status >= 500 or status in (408, 429):
        raise IdentityUnavailable(f"address look-up answered {status}")
    if status != 200:
        log.warning("address look-up answered %s: %s", status, response.text[:500])
        raise IdentityContractBroken(f"address look-up answered {status}")
    try:
        return model.model_validate_json(response.body)
    except ValidationError as exc:
        raise IdentityContractBroken(f"unreadable address from identity: {exc}") from None
