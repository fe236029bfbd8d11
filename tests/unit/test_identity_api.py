"""Customer Identity's HTTP contract, served in-process with the in-memory store.

The app is the real one (``build_identity_app``); its database and broker point at a
closed port, so they stay unavailable, and the store dependency is replaced by the fake.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.identity.api import get_store
from services.identity.config import TokenPolicy, load_token_policy
from services.identity.main import build_identity_app
from services.identity.memory_store import InMemoryIdentityStore
from services.kernel.auth import verify_token
from services.kernel.errors import ConfigurationError
from services.kernel.settings import ServiceSettings

Scenario = Callable[[httpx.AsyncClient], Awaitable[None]]
KEY = "unit-test-signing-key"
JSON = {"content-type": "application/json"}
SETTINGS = ServiceSettings(
    service_name="identity",
    http_port=8000,
    database_url="postgresql://identity:pw@127.0.0.1:1/identity",
    amqp_url="amqp://identity:pw@127.0.0.1:1/%2Fcritter",
    auth_signing_key=KEY,
)
BOB = {
    "customerId": "22222222-2222-2222-2222-222222222222",
    "email": "Bob@Example.com",
    "firstName": "Bob",
    "lastName": "Builder",
    "password": "bob-the-builder",
}
SUMMARY_FIELDS = ["displayLine", "id", "isDefault", "isVerified", "nickname", "type"]
HOME: dict[str, Any] = {
    "type": "Shipping",
    "nickname": "Home",
    "addressLine1": "1 Main St",
    "city": "Seattle",
    "stateOrProvince": "WA",
    "postalCode": "98101",
    "country": "us",
    "isDefault": True,
}


def serve(scenario: Scenario) -> None:
    app = build_identity_app(SETTINGS, TokenPolicy(KEY, timedelta(hours=1)))
    fake = InMemoryIdentityStore()
    app.dependency_overrides[get_store] = lambda: fake

    async def run() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
                async with asyncio.timeout(10):
                    await scenario(client)

    asyncio.run(run())


async def register_bob(client: httpx.AsyncClient) -> str:
    created = await client.post("/api/customers", json=BOB)
    assert created.status_code == 201, created.text
    return str(created.headers["location"])


def test_customer_is_created_with_location_and_no_password_in_sight() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        location = await register_bob(client)
        assert location == f"/api/customers/{BOB['customerId']}"
        body = (await client.get(location)).json()
        assert body["email"] == "Bob@Example.com"
        assert set(body) == {"id", "email", "firstName", "lastName", "createdAt"}

        other = {**BOB, "customerId": None, "email": "b2@example.com"}
        generated = await client.post("/api/customers", json=other)
        assert generated.status_code == 201
        assert generated.json()["id"] != BOB["customerId"]

    serve(scenario)


def test_duplicate_id_or_email_is_a_conflict() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        await register_bob(client)
        same_id = await client.post("/api/customers", json={**BOB, "email": "new@example.com"})
        assert same_id.status_code == 409
        assert "already exists" in same_id.json()["detail"]
        same_email = {**BOB, "customerId": None, "email": "bob@EXAMPLE.com"}
        assert (await client.post("/api/customers", json=same_email)).status_code == 409

    serve(scenario)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": None}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"firstName": "  "}, "firstName"),
        ({"lastName": "x\x00y"}, "lastName"),
        ({"firstName": "\ud800"}, "firstName"),
        ({"customerId": "nope"}, "customerId"),
        ({"isAdmin": True}, "isAdmin"),
    ],
)
def test_bad_customers_are_400_naming_the_field(change: dict[str, Any], field: str) -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        # json.dumps escapes a lone surrogate as \ud800, as a hostile client could send it.
        body = json.dumps({**BOB, **change})
        response = await client.post("/api/customers", content=body, headers=JSON)
        assert response.status_code == 400
        assert f"body.{field}" in response.json()["detail"]

    serve(scenario)


def test_login_issues_a_verifiable_token_and_refuses_wrong_passwords() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        await register_bob(client)
        login = await client.post(
            "/api/auth/login", json={"email": "bob@example.com", "password": BOB["password"]}
        )
        assert login.status_code == 200
        body = login.json()
        assert body["customerId"] == BOB["customerId"]
        assert str(verify_token(body["token"], KEY, now=datetime.now(UTC))) == BOB["customerId"]
        expires = datetime.fromisoformat(body["expiresAt"])
        assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)

        for email, password in [("bob@example.com", "wrong-pass"), ("nobody@x.io", "whatever")]:
            refused = await client.post(
                "/api/auth/login", json={"email": email, "password": password}
            )
            assert refused.status_code == 401
            assert refused.json()["detail"] == "the email or the password is wrong"
        assert (await client.post("/api/auth/login", json={"email": "x"})).status_code == 400

    serve(scenario)


def test_address_book_rules_over_http() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        customer = await register_bob(client)
        home = await client.post(f"{customer}/addresses", json=HOME)
        assert home.status_code == 201
        assert home.json()["country"] == "US"
        assert "addressLine2" not in home.json()
        home_url = home.headers["location"]
        assert (await client.get(home_url)).json() == home.json()

        bills = {**HOME, "type": "Billing", "nickname": "Bills"}
        assert (await client.post(f"{customer}/addresses", json=bills)).status_code == 201
        both = await client.post(
            f"{customer}/addresses", json={**HOME, "type": "Both", "nickname": "Cabin"}
        )
        summaries = (await client.get(f"{customer}/addresses")).json()
        assert [(a["nickname"], a["isDefault"]) for a in summaries] == [
            ("Home", False), ("Bills", False), ("Cabin", True),
        ]  # fmt: skip
        assert sorted(summaries[0]) == SUMMARY_FIELDS

        billing = (await client.get(f"{customer}/addresses", params={"type": "Billing"})).json()
        assert [a["nickname"] for a in billing] == ["Bills", "Cabin"]

        made = await client.post(f"{home_url}/set-default")
        assert made.status_code == 200
        assert made.json()["isDefault"] is True
        listed = (await client.get(f"{customer}/addresses")).json()
        after = {a["nickname"]: a["isDefault"] for a in listed}
        assert after == {"Home": True, "Bills": False, "Cabin": False}

        dup = await client.post(f"{customer}/addresses", json={**HOME, "nickname": "cabin"})
        assert dup.status_code == 409
        put_body = {k: v for k, v in HOME.items() if k != "isDefault"}
        renamed = await client.put(home_url, json={**put_body, "nickname": "Bills"})
        assert renamed.status_code == 409
        moved = {**put_body, "city": "Tacoma"}
        updated = await client.put(home_url, json=moved)
        assert updated.status_code == 200
        assert (updated.json()["city"], updated.json()["isDefault"]) == ("Tacoma", True)

        snapshot = await client.get(f"/api/addresses/{both.json()['id']}/snapshot")
        assert snapshot.json() == {
            "addressLine1": "1 Main St", "city": "Seattle", "stateOrProvince": "WA",
            "postalCode": "98101", "country": "US",
        }  # fmt: skip
        assert "lastUsedAt" in (await client.get(both.headers["location"])).json()

    serve(scenario)


def test_another_customers_address_is_forbidden_and_unknown_ones_not_found() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        bob = await register_bob(client)
        home_url = (await client.post(f"{bob}/addresses", json=HOME)).headers["location"]
        address_id = home_url.rsplit("/", 1)[1]
        eve = await client.post(
            "/api/customers", json={**BOB, "customerId": None, "email": "eve@example.com"}
        )
        eve_url = eve.headers["location"]

        put_body = {k: v for k, v in HOME.items() if k != "isDefault"}
        assert (
            await client.post(f"{eve_url}/addresses/{address_id}/set-default")
        ).status_code == 403
        assert (
            await client.put(f"{eve_url}/addresses/{address_id}", json=put_body)
        ).status_code == 403
        assert (await client.get(f"{eve_url}/addresses/{address_id}")).status_code == 403
        snapshot = f"/api/addresses/{address_id}/snapshot"
        eve_id = eve_url.rsplit("/", 1)[1]
        assert (await client.get(snapshot, params={"customerId": eve_id})).status_code == 403
        assert "lastUsedAt" not in (await client.get(home_url)).json()  # a refusal stamps nothing
        mine = await client.get(snapshot, params={"customerId": BOB["customerId"]})
        assert mine.status_code == 200

        unknown = "33333333-3333-3333-3333-333333333333"
        assert (await client.post(f"{bob}/addresses/{unknown}/set-default")).status_code == 404
        assert (await client.get(f"/api/addresses/{unknown}/snapshot")).status_code == 404
        assert (await client.get(f"/api/customers/{unknown}")).status_code == 404
        assert (await client.get(f"/api/customers/{unknown}/addresses")).status_code == 404
        assert (
            await client.post(f"/api/customers/{unknown}/addresses", json=HOME)
        ).status_code == 404

    serve(scenario)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "USA"}, "country"),
        ({"country": "1A"}, "country"),
        ({"type": "Holiday"}, "type"),
        ({"nickname": "n" * 51}, "nickname"),
        ({"postalCode": ""}, "postalCode"),
        ({"city": "\x00"}, "city"),
        ({"customerId": "22222222-2222-2222-2222-222222222222"}, "customerId"),
    ],
)
def test_bad_addresses_are_400_naming_the_field(change: dict[str, Any], field: str) -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        customer = await register_bob(client)
        response = await client.post(f"{customer}/addresses", json={**HOME, **change})
        assert response.status_code == 400
        assert f"body.{field}" in response.json()["detail"]

    serve(scenario)


def test_bad_paths_and_filters_are_400() -> None:
    async def scenario(client: httpx.AsyncClient) -> None:
        customer = await register_bob(client)
        assert (await client.get("/api/customers/not-a-uuid")).status_code == 400
        assert (await client.get(f"{customer}/addresses", params={"type": "x"})).status_code == 400
        not_json = await client.post(
            "/api/customers", content=b"{", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 400

    serve(scenario)


def test_token_policy_needs_a_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTH_TOKEN_TTL_SECONDS", raising=False)
    assert load_token_policy(SETTINGS) == TokenPolicy(KEY, timedelta(hours=12))
    assert KEY not in repr(load_token_policy(SETTINGS))
    with pytest.raises(ConfigurationError, match="AUTH_SIGNING_KEY"):
        load_token_policy(SETTINGS.model_copy(update={"auth_signing_key": None}))
    monkeypatch.setenv("AUTH_TOKEN_TTL_SECONDS", "600")
    assert load_token_policy(SETTINGS).ttl == timedelta(minutes=10)
    monkeypatch.setenv("AUTH_TOKEN_TTL_SECONDS", "5")
    with pytest.raises(ConfigurationError, match="AUTH_TOKEN_TTL_SECONDS"):
        load_token_policy(SETTINGS)
    assert KEY not in repr(SETTINGS)
