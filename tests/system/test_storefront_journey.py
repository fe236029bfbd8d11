"""A shopper's whole journey through the Storefront, watched on the shopper's own stream.

login -> browse -> add to cart -> one-call checkout -> the order's every status arrives on
the customer's SSE stream, in order, up to Delivered; nothing of anyone else arrives.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from tests.sandbox_control import SandboxHandle
from tests.system.test_storefront_sse import Stream, _read

pytestmark = pytest.mark.sandbox

SAGA = ["Placed", "Confirmed", "Shipped", "Delivered"]
DEADLINE_S = 60.0


def storefront_url(sandbox: SandboxHandle) -> str:
    return f"http://127.0.0.1:{sandbox.component('storefront')['port']}"


def test_checkout_through_the_storefront_is_seen_live_until_delivered(
    shared_sandbox: SandboxHandle,
) -> None:
    asyncio.run(journey(storefront_url(shared_sandbox), customer_number=21))


async def journey(base_url: str, customer_number: int) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
        login = await client.post("/api/storefront/login", json={
            "email": f"customer{customer_number:04d}@example.com",
            "password": f"critter-pass-{customer_number:04d}",
        })  # fmt: skip
        assert login.status_code == 200, login.text
        customer, token = login.json()["customerId"], login.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}

        products = await client.get("/api/storefront/products", params={"pageSize": 30})
        assert products.status_code == 200, products.text
        in_stock = [p["sku"] for p in products.json()["products"] if p["inStock"]]
        assert len(in_stock) >= 2

        stream = Stream()
        timeout = httpx.Timeout(10.0, read=None)
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=timeout) as sse,
            sse.stream("GET", "/sse/storefront", headers=auth) as answer,
        ):
            assert answer.status_code == 200, await answer.aread()
            reader = asyncio.create_task(_read(answer, stream))
            try:
                for sku in in_stock[:2]:
                    added = await client.post(
                        "/api/storefront/cart/items", json={"sku": sku, "quantity": 1}, headers=auth
                    )
                    assert added.status_code == 200, added.text
                checkout = await client.post(
                    "/api/storefront/checkout",
                    json={"shippingMethod": "Standard", "paymentMethodToken": "tok_visa_4242"},
                    headers=auth,
                )
                assert checkout.status_code == 201, checkout.text
                order_id = checkout.json()["orderId"]

                def order_statuses(s: Stream) -> list[str]:
                    return [
                        e["data"]["newStatus"]
                        for e in s.events
                        if e["type"] == "order-status-changed" and e["data"]["orderId"] == order_id
                    ]

                await asyncio.wait_for(
                    stream.until(lambda s: "Delivered" in order_statuses(s), "Delivered"),
                    DEADLINE_S,
                )
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader

    seen = order_statuses(stream)
    assert [s for s in seen if s in SAGA] == SAGA, f"out of order or missing: {seen}"
    assert len(seen) == len(set(seen)), f"a status was pushed twice: {seen}"
    assert stream.customers() == {customer}, "another customer's event reached this stream"
    assert any(e["type"] == "cart-updated" for e in stream.events)
    shipments = [e for e in stream.events if e["type"] == "shipment-status-changed"]
    assert [e["data"]["newStatus"] for e in shipments][-2:] == ["Dispatched", "Delivered"]
    ids = [e["id"] for e in stream.events]
    assert ids == sorted(ids), "event ids must increase"
    assert len(ids) == len(set(ids)), "an event was pushed twice"
