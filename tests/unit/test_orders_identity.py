"""The Customer Identity adapter against a mock transport: answers and failures mapped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from uuid import uuid4

import httpx
import pytest

from services.kernel.errors import RequestRejected
from services.orders.checkout import AddressNotOwned
from services.orders.identity import (
    AddressSnapshot,
    IdentityAddressBook,
    IdentityContractBroken,
    IdentityRefusedCaller,
    IdentityUnavailable,
    UnknownAddress,
)

CUSTOMER = uuid4()
ADDRESS_ID = uuid4()
FIELDS = {
    "addressLine1": "123 Main Street",
    "city": "Seattle",
    "stateOrProvince": "WA",
    "postalCode": "98101",
    "country": "US",
}
Route = Callable[[httpx.Request], httpx.Response]


def look_up(route: Route, authorization: str | None = None) -> AddressSnapshot:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return route(request)

    async def run() -> AddressSnapshot:
        transport = httpx.MockTransport(handler)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
            book = IdentityAddressBook(client)
            return await book.snapshot(
                ADDRESS_ID, customer_id=CUSTOMER, authorization=authorization
            )

    try:
        return asyncio.run(run())
    finally:
        for request in seen:
            assert request.headers.get("authorization") == authorization


def test_a_snapshot_naming_its_owner_takes_one_call() -> None:
    owner = uuid4()
    calls: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json={**FIELDS, "customerId": str(owner)})

    snapshot = look_up(route, authorization="Bearer t")
    assert snapshot.owner == owner
    assert snapshot.address.city == "Seattle"
    assert calls == [f"/api/addresses/{ADDRESS_ID}/snapshot"]


def test_without_an_owner_the_customers_address_book_confirms_it() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/snapshot"):
            return httpx.Response(200, json=FIELDS)
        assert request.url.path == f"/api/customers/{CUSTOMER}/addresses/{ADDRESS_ID}"
        return httpx.Response(200, json={**FIELDS, "customerId": str(CUSTOMER), "id": "x"})

    assert look_up(route).owner == CUSTOMER


@pytest.mark.parametrize(
    ("snapshot_status", "owner_status", "error"),
    [
        (404, 200, UnknownAddress),
        (200, 403, AddressNotOwned),
        (200, 404, UnknownAddress),
        (401, 200, IdentityRefusedCaller),
        (503, 200, IdentityUnavailable),
        (200, 500, IdentityUnavailable),
        (418, 200, IdentityContractBroken),
    ],
)
def test_answers_map_to_problems(
    snapshot_status: int, owner_status: int, error: type[Exception]
) -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/snapshot"):
            return httpx.Response(snapshot_status, json=FIELDS)
        return httpx.Response(owner_status, json={"customerId": str(CUSTOMER)})

    with pytest.raises(error):
        look_up(route)


def test_an_unreadable_body_is_a_bad_gateway() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps({"city": 3}).encode())

    with pytest.raises(IdentityContractBroken) as caught:
        look_up(route)
    assert isinstance(caught.value, RequestRejected)
    assert caught.value.status_code == 502


def test_a_cut_link_is_unavailable() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(IdentityUnavailable, match="connection refused"):
        look_up(route)
