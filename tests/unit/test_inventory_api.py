"""Inventory's HTTP contract, served in-process with the in-memory store.

The app is the real one (``build_inventory_app``); its database and broker point at a
closed port, so they stay unavailable, and the store dependency is replaced by the fake.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import uuid4

import httpx

from services.inventory.api import get_store
from services.inventory.domain import RequestedLine
from services.inventory.main import build_inventory_app
from services.inventory.memory_store import InMemoryInventory
from services.inventory.seed import CATALOG_SKUS, UNITS_PER_WAREHOUSE, seed_levels
from services.kernel.settings import ServiceSettings

Scenario = Callable[[httpx.AsyncClient, InMemoryInventory], Awaitable[None]]


def serve(scenario: Scenario) -> None:
    settings = ServiceSettings(
        service_name="inventory",
        http_port=8000,
        database_url="postgresql://inventory:pw@127.0.0.1:1/inventory",
        amqp_url="amqp://inventory:pw@127.0.0.1:1/%2Fcritter",
    )
    app = build_inventory_app(settings)
    fake = InMemoryInventory(seed_levels())
    app.dependency_overrides[get_store] = lambda: fake

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://inv") as client:
                async with asyncio.timeout(10):
                    await scenario(client, fake)

    asyncio.run(run())


def test_seed_holds_every_catalog_sku_in_two_warehouses() -> None:
    assert len(CATALOG_SKUS) == len(set(CATALOG_SKUS)) == 27
    assert len(seed_levels()) == 54


def test_stock_of_a_sku_lists_each_warehouse_and_the_totals() -> None:
    async def scenario(client: httpx.AsyncClient, fake: InMemoryInventory) -> None:
        await fake.reserve(uuid4(), [RequestedLine("DOG-BOWL-001", 4)], datetime.now(UTC))
        answer = await client.get("/api/inventory/DOG-BOWL-001")
        assert answer.status_code == 200
        body = answer.json()
        assert (body["onHand"], body["reserved"]) == (2 * UNITS_PER_WAREHOUSE, 4)
        assert body["available"] == 2 * UNITS_PER_WAREHOUSE - 4
        assert [w["warehouseId"] for w in body["warehouses"]] == ["WH-01", "WH-02"]
        assert body["warehouses"][0]["reserved"] == 4

        missing = await client.get("/api/inventory/NO-SUCH-SKU")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"

    serve(scenario)


def test_setting_stock_creates_or_changes_a_level_but_never_below_reserved() -> None:
    async def scenario(client: httpx.AsyncClient, fake: InMemoryInventory) -> None:
        created = await client.put("/api/inventory/NEW-SKU/warehouses/WH-03", json={"onHand": 7})
        assert created.status_code == 200
        assert created.json()["available"] == 7

        await fake.reserve(uuid4(), [RequestedLine("NEW-SKU", 5)], datetime.now(UTC))
        below = await client.put("/api/inventory/NEW-SKU/warehouses/WH-03", json={"onHand": 4})
        assert below.status_code == 400
        assert "below the 5 units reserved" in below.json()["detail"]

        for bad in ({"onHand": -1}, {"onHand": "5"}, {"onHand": 1.5}, {}, {"onHand": 1, "x": 1}):
            answer = await client.put("/api/inventory/NEW-SKU/warehouses/WH-03", json=bad)
            assert answer.status_code == 400, bad
        lower = await client.put("/api/inventory/bad sku/warehouses/WH-03", json={"onHand": 1})
        assert lower.status_code == 400

    serve(scenario)


def test_batch_availability_keeps_the_requested_order_and_zeroes_unknown_skus() -> None:
    async def scenario(client: httpx.AsyncClient, _fake: InMemoryInventory) -> None:
        answer = await client.get(
            "/api/inventory", params={"skus": "CAT-TREE-5FT,NOPE,CAT-TREE-5FT"}
        )
        assert answer.status_code == 200
        items = answer.json()["items"]
        assert [(i["sku"], i["inStock"]) for i in items] == [
            ("CAT-TREE-5FT", True),
            ("NOPE", False),
        ]

        everything = await client.get("/api/inventory")
        assert len(everything.json()["items"]) == 27
        for bad in ("", "a,b", ",".join(f"S{i}" for i in range(101))):
            assert (await client.get("/api/inventory", params={"skus": bad})).status_code == 400

    serve(scenario)


def test_reservations_of_an_order_are_listed_for_checkers() -> None:
    async def scenario(client: httpx.AsyncClient, fake: InMemoryInventory) -> None:
        order = uuid4()
        await fake.reserve(order, [RequestedLine("FISH-TANK-20G", 2)], datetime.now(UTC))
        body = (await client.get("/api/reservations", params={"orderId": str(order)})).json()
        assert body["status"] == "Reserved"
        [line] = body["reservations"]
        assert (line["sku"], line["warehouseId"], line["quantity"]) == ("FISH-TANK-20G", "WH-01", 2)

        unseen = (await client.get("/api/reservations", params={"orderId": str(uuid4())})).json()
        assert unseen["reservations"] == []
        assert "status" not in unseen
        assert (await client.get("/api/reservations", params={"orderId": "x"})).status_code == 400
        assert (await client.get("/api/reservations")).status_code == 400

    serve(scenario)
