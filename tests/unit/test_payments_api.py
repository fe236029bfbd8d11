"""Payments' read-only HTTP contract, served in-process with the in-memory store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import httpx

from services.payments.api import get_store
from services.payments.domain import open_payment
from services.payments.gateway import Approval
from services.payments.main import build_payments_app
from services.payments.memory_store import InMemoryPayments
from services.payments.settings import PaymentsSettings

Scenario = Callable[[httpx.AsyncClient, InMemoryPayments], Awaitable[None]]


def serve(scenario: Scenario) -> None:
    settings = PaymentsSettings(
        service_name="payments",
        http_port=8000,
        database_url="postgresql://payments:pw@127.0.0.1:1/payments",
        amqp_url="amqp://payments:pw@127.0.0.1:1/%2Fcritter",
    )
    app = build_payments_app(settings)
    fake = InMemoryPayments()
    app.dependency_overrides[get_store] = lambda: fake

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://pay") as client:
                async with asyncio.timeout(10):
                    await scenario(client, fake)

    asyncio.run(run())


def test_a_payment_is_found_by_id_and_by_order() -> None:
    async def scenario(client: httpx.AsyncClient, fake: InMemoryPayments) -> None:
        order = uuid4()
        payment = open_payment(
            order, uuid4(), Decimal("19.9"), Approval("auth_1"), datetime.now(UTC)
        )
        await fake.insert(payment)

        by_id = await client.get(f"/api/payments/{payment.payment_id}")
        assert by_id.status_code == 200
        body = by_id.json()
        assert (body["status"], body["amount"], body["authorizationId"]) == (
            "Authorized",
            "19.90",
            "auth_1",
        )
        assert "capturedAt" not in body

        listed = (await client.get("/api/payments", params={"orderId": str(order)})).json()
        assert [p["paymentId"] for p in listed["payments"]] == [str(payment.payment_id)]
        none = (await client.get("/api/payments", params={"orderId": str(uuid4())})).json()
        assert none == {"payments": []}

    serve(scenario)


def test_unknown_or_malformed_ids_are_4xx_problems() -> None:
    async def scenario(client: httpx.AsyncClient, _fake: InMemoryPayments) -> None:
        missing = await client.get(f"/api/payments/{uuid4()}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert (await client.get("/api/payments/not-a-uuid")).status_code == 400
        assert (await client.get("/api/payments", params={"orderId": "x"})).status_code == 400
        assert (await client.get("/api/payments")).status_code == 400

    serve(scenario)
