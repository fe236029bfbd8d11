"""The catalog's HTTP contract, served in-process with the in-memory store.

The app is the real one (``build_catalog_app``): lifespan, kernel routes,
problem responses, metrics. Its database and broker point at a closed port, so
they stay unavailable, and the store dependency is replaced by the fake.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.catalog.api import get_store
from services.catalog.main import build_catalog_app
from services.catalog.memory_store import InMemoryProductStore
from services.catalog.seed import seed_catalog
from services.kernel.settings import ServiceSettings

Scenario = Callable[[httpx.AsyncClient], Awaitable[None]]

NEW_PRODUCT: dict[str, Any] = {
    "sku": "FERRET-FOOD-001",
    "name": "Ferret Kibble (4lb)",
    "description": "High-protein kibble.",
    "category": "Small Animals",
    "price": 29.99,
    "tags": ["kibble"],
}


def serve(scenario: Scenario, store: InMemoryProductStore | None = None) -> None:
    settings = ServiceSettings(
        service_name="catalog",
        http_port=8000,
        database_url="postgresql://catalog:pw@127.0.0.1:1/catalog",
        amqp_url="amqp://catalog:pw@127.0.0.1:1/%2Fcritter",
    )
    app = build_catalog_app(settings)
    fake = store or InMemoryProductStore()
    app.dependency_overrides[get_store] = lambda: fake

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
                async with asyncio.timeout(10):
                    await scenario(client)

    asyncio.run(run())


def test_added_product_is_returned_with_its_location() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        created = await client.post("/api/products", json=NEW_PRODUCT)
        assert created.status_code == 201
        assert created.headers["location"] == "/api/products/FERRET-FOOD-001"
        body = created.json()
        assert body["price"] == "29.99"
        assert body["status"] == "Active"
        assert "longDescription" not in body  # nulls are omitted

        fetched = await client.get(created.headers["location"])
        assert fetched.status_code == 200
        assert fetched.json() == body

    serve(scenario)


def test_a_duplicate_sku_is_a_conflict() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        assert (await client.post("/api/products", json=NEW_PRODUCT)).status_code == 201
        duplicate = await client.post("/api/products", json=NEW_PRODUCT)
        assert duplicate.status_code == 409
        assert duplicate.headers["content-type"] == "application/problem+json"
        assert "FERRET-FOOD-001" in duplicate.json()["detail"]

    serve(scenario)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sku": "lower-case"}, "sku"),
        ({"sku": "A" * 25}, "sku"),
        ({"name": "N" * 101}, "name"),
        ({"price": -1}, "price"),
        ({"price": "12.345"}, "price"),
        ({"unitPrice": 3}, "unitPrice"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(change: dict[str, Any], field: str) -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        response = await client.post("/api/products", json={**NEW_PRODUCT, **change})
        assert response.status_code == 400
        problem = response.json()
        assert problem["status"] == 400
        assert f"body.{field}" in problem["detail"]

    serve(scenario)


def test_listing_pages_filters_and_orders_by_added_at() -> None:
    store = InMemoryProductStore(seed_catalog(datetime(2026, 1, 1, tzinfo=UTC)))

    async def scenario(client: httpx.AsyncClient) -> None:
        page = (await client.get("/api/products", params={"page": 2, "pageSize": 5})).json()
        assert page["totalCount"] == 27
        assert (page["page"], page["pageSize"]) == (2, 5)
        assert [p["sku"] for p in page["products"]][:2] == ["CAT-TREE-5FT", "CAT-LITTER-CLM"]

        birds = (await client.get("/api/products", params={"category": "Birds"})).json()
        assert [p["sku"] for p in birds["products"]] == [
            "BIRD-CAGE-MED", "BIRD-SEED-MIX", "BIRD-TOY-SWING",
        ]  # fmt: skip

        await client.patch("/api/products/FISH-TANK-20G/status", json={"newStatus": "OutOfSeason"})
        off = (await client.get("/api/products", params={"status": "OutOfSeason"})).json()
        assert [p["sku"] for p in off["products"]] == ["FISH-TANK-20G"]

        assert (await client.get("/api/products", params={"pageSize": 0})).status_code == 400

    serve(scenario, store)


def test_update_is_partial_and_refused_once_discontinued() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        await client.post("/api/products", json=NEW_PRODUCT)
        url = "/api/products/FERRET-FOOD-001"

        updated = await client.put(url, json={"price": "31.5"})
        assert updated.status_code == 200
        assert updated.json()["price"] == "31.50"
        assert updated.json()["name"] == NEW_PRODUCT["name"]
        assert "updatedAt" in updated.json()

        changed = await client.patch(f"{url}/status", json={"newStatus": "Discontinued"})
        assert changed.json()["status"] == "Discontinued"

        refused = await client.put(url, json={"name": "Renamed"})
        assert refused.status_code == 400
        assert "discontinued" in refused.json()["detail"]

    serve(scenario)


def test_unknown_skus_and_statuses() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        missing = await client.get("/api/products/NOPE")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "product NOPE not found"
        assert (await client.put("/api/products/NOPE", json={})).status_code == 404
        bad = await client.patch("/api/products/NOPE/status", json={"newStatus": "Gone"})
        assert bad.status_code == 400

    serve(scenario)


def test_live_at_once_ready_only_with_both_dependencies() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        live = await client.get("/health/live")
        assert (live.status_code, live.json()) == (200, {"status": "live"})

        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "not ready"
        assert set(body["checks"]) == {"database", "broker"}
        assert all(reason != "ok" for reason in body["checks"].values())

    serve(scenario)


def test_requests_are_counted_by_route_template() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        await client.get("/api/products/NOPE")
        await client.get("/openapi.json")
        text = (await client.get("/metrics")).text
        assert (
            'http_requests_total{method="GET",route="/api/products/{sku}",status="404"} 1.0' in text
        )
        assert 'route="/openapi.json"' in text
        assert 'service_dependency_up{dependency="database"} 0.0' in text

    serve(scenario)
