"""Shopping on a real sandbox: carts priced by the real catalog, their events, their refusals.

Each test drives Shopping over HTTP exactly as the Storefront would, reads prices
from the catalog's own API, and listens to ``shopping.*`` on a queue of its own
(RabbitMQ admin user) to see what the outbox published. Products a test needs to
change are created by the test (unique SKUs), so the seed catalog stays untouched
for every other test.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aio_pika
import httpx
import pytest

from services.contracts.messages import EXCHANGE
from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import admin_url

pytestmark = pytest.mark.sandbox

CEILING_S = 60.0
EVENT_DEADLINE_S = 15.0


@dataclass
class Shop:
    shopping: httpx.AsyncClient
    catalog: httpx.AsyncClient
    events: aio_pika.abc.AbstractQueue

    async def open_cart(self, **owner: str) -> str:
        created = await self.shopping.post("/api/carts", json=owner or {"sessionId": "s-test"})
        assert created.status_code == 201, created.text
        cart_id = str(created.json()["cartId"])
        assert created.headers["location"] == f"/api/carts/{cart_id}"
        return cart_id

    async def add(self, cart_id: str, sku: str, quantity: int) -> httpx.Response:
        return await self.shopping.post(
            f"/api/carts/{cart_id}/items", json={"sku": sku, "quantity": quantity}
        )

    async def new_product(self, price: str) -> str:
        sku = f"TEST-{uuid.uuid4().hex[:12].upper()}"
        body = {"sku": sku, "name": "Test chew", "description": "x", "category": "Dogs"}
        created = await self.catalog.post("/api/products", json={**body, "price": price})
        assert created.status_code == 201, created.text
        return sku

    async def events_of(self, cart_id: str, count: int) -> list[tuple[str, dict[str, Any]]]:
        """The next ``count`` messages about ``cart_id`` (type, body), in publishing order."""
        found: list[tuple[str, dict[str, Any]]] = []
        async with asyncio.timeout(EVENT_DEADLINE_S):
            async with self.events.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    body = json.loads(message.body)
                    if body.get("cartId") == cart_id:
                        found.append((str(message.type), body))
                    if len(found) == count:
                        return found
        return found


def run(sandbox: SandboxHandle, scenario: Callable[[Shop], Awaitable[None]]) -> None:
    async def main() -> None:
        async with asyncio.timeout(CEILING_S), shop_of(sandbox) as shop:
            await scenario(shop)

    asyncio.run(main())


@asynccontextmanager
async def shop_of(sandbox: SandboxHandle) -> AsyncIterator[Shop]:
    base = sandbox.port_base
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    async with (
        connection,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{base + 25}", timeout=10) as shopping,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{base + 20}", timeout=10) as catalog,
    ):
        channel = await connection.channel()
        events = await channel.declare_queue(exclusive=True)
        await events.bind(EXCHANGE, "shopping.#")
        yield Shop(shopping, catalog, events)


def test_items_are_priced_by_the_catalog_and_totalled(shared_sandbox: SandboxHandle) -> None:
    async def scenario(shop: Shop) -> None:
        catalog_price = (await shop.catalog.get("/api/products/DOG-BOWL-001")).json()["price"]
        cart_id = await shop.open_cart(customerId=str(uuid.uuid4()))
        await shop.add(cart_id, "DOG-BOWL-001", 2)
        added = await shop.add(cart_id, "CAT-TOY-LASER", 1)
        assert added.status_code == 200, added.text
        cart = (await shop.shopping.get(f"/api/carts/{cart_id}")).json()
        assert cart == added.json()
        assert cart["status"] == "Active"
        bowl, laser = cart["items"]
        assert (bowl["sku"], bowl["quantity"], bowl["unitPrice"]) == (
            "DOG-BOWL-001",
            2,
            catalog_price,
        )
        assert Decimal(bowl["lineTotal"]) == 2 * Decimal(catalog_price)
        assert (
            laser["unitPrice"]
            == (await shop.catalog.get("/api/products/CAT-TOY-LASER")).json()["price"]
        )
        expected = Decimal(bowl["lineTotal"]) + Decimal(laser["lineTotal"])
        assert cart["totalAmount"] == str(expected)

    run(shared_sandbox, scenario)


def test_a_line_keeps_its_first_price_when_the_catalog_changes(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario(shop: Shop) -> None:
        sku = await shop.new_product("10.00")
        cart_id = await shop.open_cart()
        await shop.add(cart_id, sku, 1)
        repriced = await shop.catalog.put(f"/api/products/{sku}", json={"price": "12.50"})
        assert repriced.status_code == 200
        again = (await shop.add(cart_id, sku, 2)).json()
        assert again["items"] == [
            {"sku": sku, "quantity": 3, "unitPrice": "10.00", "lineTotal": "30.00"}
        ]
        fresh = await shop.open_cart()
        assert (await shop.add(fresh, sku, 1)).json()["items"][0]["unitPrice"] == "12.50"

    run(shared_sandbox, scenario)


def test_every_change_publishes_its_event_and_checkout_hands_over_a_snapshot(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario(shop: Shop) -> None:
        customer = str(uuid.uuid4())
        cart_id = await shop.open_cart(customerId=customer)
        await shop.add(cart_id, "DOG-TOY-ROPE", 2)
        await shop.add(cart_id, "FISH-FOOD-FLAKE", 1)
        changed = await shop.shopping.put(
            f"/api/carts/{cart_id}/items/DOG-TOY-ROPE/quantity", json={"newQuantity": 5}
        )
        assert changed.status_code == 200
        removed = await shop.shopping.delete(f"/api/carts/{cart_id}/items/FISH-FOOD-FLAKE")
        assert removed.json()["items"][0]["quantity"] == 5
        checkout = await shop.shopping.post(f"/api/carts/{cart_id}/checkout")
        assert checkout.status_code == 201, checkout.text
        checkout_id = checkout.json()["checkoutId"]
        assert checkout.headers["location"] == f"/api/checkouts/{checkout_id}"

        events = await shop.events_of(cart_id, 5)
        assert [kind for kind, _ in events] == [
            "ItemAdded",
            "ItemAdded",
            "ItemQuantityChanged",
            "ItemRemoved",
            "CheckoutInitiated",
        ]
        assert all(body["customerId"] == customer for _, body in events)
        first = events[0][1]
        assert (first["sku"], first["quantity"], first["unitPrice"]) == ("DOG-TOY-ROPE", 2, "12.99")
        assert (events[2][1]["oldQuantity"], events[2][1]["newQuantity"]) == (2, 5)
        handed_over = events[4][1]
        assert handed_over["checkoutId"] == checkout_id
        assert handed_over["items"] == [
            {"sku": "DOG-TOY-ROPE", "quantity": 5, "unitPrice": "12.99"}
        ]

        closed = (await shop.shopping.get(f"/api/carts/{cart_id}")).json()
        assert (closed["status"], closed["checkoutId"]) == ("CheckedOut", checkout_id)
        assert (await shop.shopping.post(f"/api/carts/{cart_id}/checkout")).status_code == 400

    run(shared_sandbox, scenario)


def test_a_customer_has_one_active_cart_at_a_time(shared_sandbox: SandboxHandle) -> None:
    async def scenario(shop: Shop) -> None:
        customer = str(uuid.uuid4())
        lookup = {"customerId": customer}
        assert (await shop.shopping.get("/api/carts", params=lookup)).status_code == 404
        cart_id = await shop.open_cart(customerId=customer)
        again = await shop.shopping.post("/api/carts", json=lookup)
        assert (again.status_code, again.json()["cartId"]) == (200, cart_id)
        assert (await shop.shopping.get("/api/carts", params=lookup)).json()["cartId"] == cart_id

        cleared = await shop.shopping.delete(f"/api/carts/{cart_id}", params={"reason": "bored"})
        assert cleared.json()["status"] == "Cleared"
        assert cleared.json()["clearReason"] == "bored"
        assert (await shop.events_of(cart_id, 1))[0][0] == "CartCleared"
        assert (await shop.shopping.get("/api/carts", params=lookup)).status_code == 404
        assert await shop.open_cart(customerId=customer) != cart_id

    run(shared_sandbox, scenario)


def test_bad_requests_are_refused_with_a_reason(shared_sandbox: SandboxHandle) -> None:
    async def scenario(shop: Shop) -> None:
        cart_id = await shop.open_cart()
        items = f"/api/carts/{cart_id}/items"
        missing = f"/api/carts/{uuid.uuid4()}"
        discontinued = await shop.new_product("5.00")
        status = await shop.catalog.patch(
            f"/api/products/{discontinued}/status", json={"newStatus": "Discontinued"}
        )
        assert status.status_code == 200
        cases: list[tuple[str, str, Any, int, str]] = [
            ("POST", "/api/carts", {}, 400, "customerId or sessionId"),
            ("POST", items, {"sku": "NO-SUCH-SKU", "quantity": 1}, 400, "NO-SUCH-SKU"),
            ("POST", items, {"sku": discontinued, "quantity": 1}, 400, "Discontinued"),
            (
                "POST",
                items,
                {"sku": "DOG-BOWL-001", "quantity": 1, "unitPrice": 0},
                400,
                "unitPrice",
            ),
            ("POST", items, {"sku": "DOG-BOWL-001", "quantity": 0}, 400, "quantity"),
            ("POST", items, {"sku": "DOG-BOWL-001", "quantity": 1000}, 400, "quantity"),
            ("POST", items, {"sku": "dog bowl", "quantity": 1}, 400, "sku"),
            ("POST", items, "not json", 400, "JSON"),
            (
                "POST",
                "/api/carts/not-a-uuid/items",
                {"sku": "DOG-BOWL-001", "quantity": 1},
                400,
                "UUID",
            ),
            ("POST", f"{missing}/items", {"sku": "DOG-BOWL-001", "quantity": 1}, 404, "not found"),
            ("GET", missing, None, 404, "not found"),
            ("GET", "/api/carts", None, 400, "customerId"),
            ("PUT", f"{items}/DOG-BOWL-001/quantity", {"newQuantity": 2}, 404, "no item"),
            ("PUT", f"{items}/DOG-BOWL-001/quantity", {"newQuantity": -1}, 400, "newQuantity"),
            ("DELETE", f"{items}/DOG-BOWL-001", None, 404, "no item"),
            ("POST", f"/api/carts/{cart_id}/checkout", None, 400, "empty"),
            ("POST", f"{missing}/checkout", None, 404, "not found"),
        ]
        for method, path, body, expected, reason in cases:
            content = (
                body if isinstance(body, str) else json.dumps(body) if body is not None else None
            )
            answer = await shop.shopping.request(
                method, path, content=content, headers={"content-type": "application/json"}
            )
            assert answer.status_code == expected, (method, path, body, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert reason in answer.json()["detail"], (method, path, answer.json())

        assert (await shop.add(cart_id, "DOG-BOWL-001", 999)).status_code == 200
        over = await shop.add(cart_id, "DOG-BOWL-001", 1)
        assert (over.status_code, "999" in over.json()["detail"]) == (400, True)
        await shop.shopping.delete(f"/api/carts/{cart_id}")
        closed = await shop.add(cart_id, "DOG-TOY-ROPE", 1)
        assert (closed.status_code, "Cleared" in closed.json()["detail"]) == (400, True)

    run(shared_sandbox, scenario)


def test_an_unreachable_catalog_is_a_503_not_a_500(shared_sandbox: SandboxHandle) -> None:
    toxiproxy = f"http://127.0.0.1:{shared_sandbox.port_base}/proxies/shopping->catalog"

    async def scenario(shop: Shop) -> None:
        cart_id = await shop.open_cart()
        async with httpx.AsyncClient(timeout=10) as admin:
            assert (await admin.post(toxiproxy, json={"enabled": False})).status_code == 200
            try:
                refused = await shop.add(cart_id, "DOG-BOWL-001", 1)
            finally:
                await admin.post(toxiproxy, json={"enabled": True})
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["detail"].startswith("catalog unavailable")
        assert (await shop.add(cart_id, "DOG-BOWL-001", 1)).status_code == 200

    run(shared_sandbox, scenario)
