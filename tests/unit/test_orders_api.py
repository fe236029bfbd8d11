"""The Orders HTTP contract, served in-process with the in-memory unit of work.

The app is the real one (``build_orders_app``): lifespan, kernel routes, problem
responses. Its database and broker point at a closed port, so they stay
unavailable; the unit of work and the address book are fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from services.contracts.messages import (
    Address,
    CartLine,
    CheckoutInitiated,
    OrderPlaced,
    OrderStatusChanged,
)
from services.kernel.settings import ServiceSettings
from services.orders.deps import get_units
from services.orders.identity import AddressSnapshot, IdentityUnavailable, UnknownAddress
from services.orders.main import build_orders_app
from services.orders.memory import MemoryUnitOfWorkFactory
from services.orders.settings import OrdersSettings
from services.orders.wizard import open_checkout

Scenario = Callable[[httpx.AsyncClient, MemoryUnitOfWorkFactory], Awaitable[None]]

NOW = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
ALICE = UUID("11111111-1111-1111-1111-111111111111")
HOME = UUID("22222222-2222-2222-2222-222222222222")
SOMEONE_ELSES = UUID("33333333-3333-3333-3333-333333333333")
BROKEN_LINK = UUID("44444444-4444-4444-4444-444444444444")
ADDRESS = Address(
    address_line1="123 Main Street",
    address_line2="Apt 4B",
    city="Seattle",
    state_or_province="WA",
    postal_code="98101",
    country="US",
)
INLINE = {
    "addressLine1": "456 Corporate Blvd",
    "city": "Bellevue",
    "stateOrProvince": "WA",
    "postalCode": "98004",
    "country": "US",
}


class FakeAddressBook:
    def __init__(self) -> None:
        self.authorizations: list[str | None] = []

    async def snapshot(
        self, address_id: UUID, *, customer_id: UUID, authorization: str | None
    ) -> AddressSnapshot:
        self.authorizations.append(authorization)
        if address_id == HOME:
            return AddressSnapshot(owner=ALICE, address=ADDRESS)
        if address_id == SOMEONE_ELSES:
            return AddressSnapshot(owner=uuid4(), address=ADDRESS)
        if address_id == BROKEN_LINK:
            raise IdentityUnavailable("connection refused")
        raise UnknownAddress(f"address {address_id} not found")


def serve(scenario: Scenario) -> None:
    settings = ServiceSettings(
        service_name="orders",
        http_port=8000,
        database_url="postgresql://orders:pw@127.0.0.1:1/orders",
        amqp_url="amqp://orders:pw@127.0.0.1:1/%2Fcritter",
    )
    book = FakeAddressBook()

    @asynccontextmanager
    async def open_book() -> AsyncIterator[FakeAddressBook]:
        yield book

    app = build_orders_app(settings, OrdersSettings(), now=lambda: NOW, address_book=open_book)
    units = MemoryUnitOfWorkFactory(clock=lambda: NOW)
    app.dependency_overrides[get_units] = lambda: units

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
                async with asyncio.timeout(10):
                    await scenario(client, units)

    asyncio.run(run())


async def started_checkout(units: MemoryUnitOfWorkFactory, customer: UUID | None = ALICE) -> UUID:
    checkout_id = uuid4()
    message = CheckoutInitiated(
        checkout_id=checkout_id,
        cart_id=uuid4(),
        customer_id=customer,
        items=[
            CartLine(sku="DOG-BOWL-001", quantity=2, unit_price=Decimal("19.99")),
            CartLine(sku="CAT-TOY-LASER", quantity=1, unit_price=Decimal("21.99")),
        ],
        initiated_at=NOW,
    )
    async with units.transaction() as uow:
        await open_checkout(uow, message)
    return checkout_id


ONE_CALL = {"addressId": str(HOME), "shippingMethod": "Standard", "paymentMethodToken": "tok_1"}


def test_an_unknown_checkout_is_404_until_the_message_arrives() -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        missing = await client.get(f"/api/checkouts/{uuid4()}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert "retry" in missing.json()["detail"]

        checkout_id = await started_checkout(units)
        found = await client.get(f"/api/checkouts/{checkout_id}")
        assert found.status_code == 200
        body = found.json()
        assert body["subtotal"] == "61.97"
        assert body["items"][0]["lineTotal"] == "39.98"
        assert body["hasPaymentMethod"] is False
        assert body["isCompleted"] is False
        assert "shippingAddress" not in body

    serve(scenario)


def test_the_wizard_steps_then_complete_places_the_order() -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        checkout_id = await started_checkout(units)
        base = f"/api/checkouts/{checkout_id}"
        address = await client.put(
            f"{base}/shipping-address",
            json={"addressId": str(HOME)},
            headers={"Authorization": "Bearer alice"},
        )
        assert address.status_code == 200, address.text
        assert address.json()["shippingAddress"]["city"] == "Seattle"
        method = await client.put(f"{base}/shipping-method", json={"method": "Express"})
        assert method.json()["total"] == "74.96"
        token = await client.put(f"{base}/payment-method", json={"token": "tok_visa_4242"})
        assert token.json()["hasPaymentMethod"] is True
        assert "tok_visa_4242" not in token.text

        completed = await client.post(f"{base}/complete")
        assert completed.status_code == 201, completed.text
        order_id = completed.json()["orderId"]
        assert completed.headers["location"] == f"/api/orders/{order_id}"

        placed, status = units.published
        assert isinstance(placed, OrderPlaced)
        assert str(placed.order_id) == order_id
        assert placed.total_amount == Decimal("74.96")
        assert isinstance(status, OrderStatusChanged)
        assert status.new_status == "Placed"

        order = (await client.get(f"/api/orders/{order_id}")).json()
        assert order["status"] == "Placed"
        assert order["totalAmount"] == "74.96"
        assert [entry["status"] for entry in order["history"]] == ["Placed"]
        assert "paymentToken" not in order

    serve(scenario)


def test_complete_in_one_call_is_idempotent() -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        checkout_id = await started_checkout(units)
        url = f"/api/checkouts/{checkout_id}/complete"
        first = await client.post(url, json=ONE_CALL)
        assert first.status_code == 201, first.text
        again = await client.post(url, json=ONE_CALL)
        assert again.status_code == 200
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert len(units.of_type(OrderPlaced)) == 1

        edit = await client.put(f"/api/checkouts/{checkout_id}/payment-method", json={"token": "x"})
        assert edit.status_code == 400
        assert "completed" in edit.json()["detail"]

    serve(scenario)


def test_concurrent_completes_place_one_order() -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        checkout_id = await started_checkout(units)
        url = f"/api/checkouts/{checkout_id}/complete"
        answers = await asyncio.gather(*(client.post(url, json=ONE_CALL) for _ in range(5)))
        assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 200, 201]
        assert len({answer.json()["orderId"] for answer in answers}) == 1
        assert len(units.of_type(OrderPlaced)) == 1

    serve(scenario)


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({}, 400, "no shipping address"),
        ({**ONE_CALL, "addressId": str(SOMEONE_ELSES)}, 403, "another customer"),
        ({**ONE_CALL, "addressId": str(uuid4())}, 400, "not found"),
        ({**ONE_CALL, "addressId": str(BROKEN_LINK)}, 503, "connection refused"),
        ({**ONE_CALL, "address": INLINE}, 400, "not both"),
        ({**ONE_CALL, "shippingMethod": "Teleport"}, 400, "unknown shipping method"),
        ({**ONE_CALL, "shippingCost": "1.00"}, 400, "costs 5.99"),
        ({**ONE_CALL, "paymentMethodToken": "has space"}, 400, "paymentMethodToken"),
        ({**ONE_CALL, "surprise": 1}, 400, "surprise"),
        ({"shippingCost": 5.99}, 400, "needs shippingMethod"),
    ],
)
def test_bad_completions_are_refused_and_change_nothing(
    body: dict[str, Any], status: int, detail: str
) -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        checkout_id = await started_checkout(units)
        answer = await client.post(f"/api/checkouts/{checkout_id}/complete", json=body)
        assert answer.status_code == status, answer.text
        assert detail in answer.json()["detail"]
        assert units.published == []
        checkout = (await client.get(f"/api/checkouts/{checkout_id}")).json()
        assert checkout["isCompleted"] is False

    serve(scenario)


def test_anonymous_checkouts_take_inline_addresses_but_cannot_be_ordered() -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        checkout_id = await started_checkout(units, customer=None)
        base = f"/api/checkouts/{checkout_id}"
        saved = await client.put(f"{base}/shipping-address", json={"addressId": str(HOME)})
        assert saved.status_code == 400
        inline = await client.put(f"{base}/shipping-address", json={"address": INLINE})
        assert inline.status_code == 200
        assert inline.json()["shippingAddress"]["city"] == "Bellevue"
        done = await client.post(
            f"{base}/complete", json={"shippingMethod": "Standard", "paymentMethodToken": "tok"}
        )
        assert done.status_code == 400
        assert "sign in" in done.json()["detail"]

    serve(scenario)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/checkouts/not-a-uuid", None),
        ("GET", "/api/orders/not-a-uuid", None),
        ("GET", "/api/orders", None),
        ("GET", "/api/orders?customerId=nope", None),
        ("GET", f"/api/orders?customerId={ALICE}&pageSize=1000", None),
        ("PUT", "/api/checkouts/{id}/shipping-address", {}),
        ("PUT", "/api/checkouts/{id}/shipping-address", {"address": {**INLINE, "country": "USA"}}),
        ("PUT", "/api/checkouts/{id}/shipping-method", {"cost": 5.99}),
        ("PUT", "/api/checkouts/{id}/shipping-method", {"method": "Standard", "cost": -1}),
        ("PUT", "/api/checkouts/{id}/payment-method", {"token": ""}),
        ("POST", "/api/checkouts/{id}/complete", [1, 2]),
    ],
)
def test_malformed_requests_are_400(method: str, path: str, body: object) -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        checkout_id = await started_checkout(units)
        answer = await client.request(method, path.format(id=checkout_id), json=body)
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"

    serve(scenario)


def test_orders_are_listed_newest_first_and_unknown_ones_are_404() -> None:
    async def scenario(client: httpx.AsyncClient, units: MemoryUnitOfWorkFactory) -> None:
        placed = []
        for _ in range(3):
            checkout_id = await started_checkout(units)
            answer = await client.post(f"/api/checkouts/{checkout_id}/complete", json=ONE_CALL)
            placed.append(answer.json()["orderId"])
        page = (await client.get(f"/api/orders?customerId={ALICE}&pageSize=2")).json()
        assert page["totalCount"] == 3
        assert len(page["orders"]) == 2
        summary = page["orders"][0]
        assert summary["itemCount"] == 2
        assert summary["totalAmount"] == "67.96"
        assert summary["status"] == "Placed"
        listed = {o["orderId"] for o in page["orders"]}
        second = (await client.get(f"/api/orders?customerId={ALICE}&pageSize=2&page=2")).json()
        listed |= {o["orderId"] for o in second["orders"]}
        assert listed == set(placed)
        nobody = (await client.get(f"/api/orders?customerId={uuid4()}")).json()
        assert (nobody["orders"], nobody["totalCount"]) == ([], 0)
        assert (await client.get(f"/api/orders/{uuid4()}")).status_code == 404

    serve(scenario)
