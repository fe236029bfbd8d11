"""Customer Identity on a real sandbox: seeded logins, tokens, address rules, bad input.

The test speaks HTTP and SQL like any client; it computes the seeded ids from the
documented recipe (``services/identity/seed.py``) rather than importing them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from services.kernel.auth import InvalidToken, issue_token, verify_token
from tests.sandbox_control import SandboxHandle

pytestmark = pytest.mark.sandbox

ALICE = "11111111-1111-1111-1111-111111111111"
SHIPPING: dict[str, Any] = {
    "type": "Shipping",
    "addressLine1": "7 Test Road",
    "city": "Austin",
    "stateOrProvince": "TX",
    "postalCode": "73301",
    "country": "US",
}


def pool_customer_id(number: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:customer{number:04d}@example.com"))


@pytest.fixture(scope="module")
def identity(shared_sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    # Module-scoped: asking the CLI for the port costs a process start per test.
    port = shared_sandbox.component("identity")["port"]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield client


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def new_customer(client: httpx.Client) -> str:
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": email, "firstName": "Test", "lastName": "Shopper", "password": "pass-1234"}
    created = client.post("/api/customers", json=body)
    assert created.status_code == 201, created.text
    return str(created.headers["location"])


def test_seeded_customers_log_in_and_get_a_genuine_token(
    identity: httpx.Client, shared_sandbox: SandboxHandle
) -> None:
    key = shared_sandbox.secrets()["auth/signing-key"]
    for email, password, expected in [
        ("customer0042@example.com", "critter-pass-0042", pool_customer_id(42)),
        ("Customer2000@Example.com", "critter-pass-2000", pool_customer_id(2000)),
        ("alice@example.com", "alice-critter-pass", ALICE),
    ]:
        answer = login(identity, email, password)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["customerId"] == expected
        assert str(verify_token(body["token"], key, now=datetime.now(UTC))) == expected
        assert datetime.fromisoformat(body["expiresAt"]) > datetime.now(UTC)

    home = identity.get(f"/api/customers/{pool_customer_id(42)}/addresses").json()
    assert [(a["nickname"], a["type"], a["isDefault"]) for a in home] == [
        ("Home", "Shipping", True)
    ]
    assert home[0]["id"] == str(uuid.uuid5(uuid.UUID(pool_customer_id(42)), "Home"))


def test_wrong_passwords_and_unknown_emails_are_401(identity: httpx.Client) -> None:
    for email, password in [
        ("customer0042@example.com", "critter-pass-0043"),
        ("nobody@example.com", "critter-pass-0042"),
    ]:
        refused = login(identity, email, password)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["detail"] == "the email or the password is wrong"


def test_forged_tokens_are_rejected(identity: httpx.Client, shared_sandbox: SandboxHandle) -> None:
    key = shared_sandbox.secrets()["auth/signing-key"]
    now = datetime.now(UTC)
    token = login(identity, "customer0007@example.com", "critter-pass-0007").json()["token"]
    header, _claims, signature = token.split(".")
    alice = issue_token(uuid.UUID(ALICE), "not-the-sandbox-key", now=now, ttl=timedelta(hours=1))
    forgeries = [
        alice,  # signed with a guessed key
        f"{header}.{alice.split('.')[1]}.{signature}",  # Alice's claims under a real signature
        f"eyJhbGciOiJub25lIn0.{alice.split('.')[1]}.",  # alg=none
    ]
    for forged in forgeries:
        with pytest.raises(InvalidToken):
            verify_token(forged, key, now=now)


def test_address_default_rules(identity: httpx.Client, shared_sandbox: SandboxHandle) -> None:
    customer = new_customer(identity)
    first = identity.post(
        f"{customer}/addresses", json={**SHIPPING, "nickname": "A", "isDefault": True}
    )
    second = identity.post(f"{customer}/addresses", json={**SHIPPING, "nickname": "B"})
    billing = identity.post(
        f"{customer}/addresses",
        json={**SHIPPING, "type": "Billing", "nickname": "C", "isDefault": True},
    )
    assert [r.status_code for r in (first, second, billing)] == [201, 201, 201]

    def defaults() -> set[str]:
        listed = identity.get(f"{customer}/addresses").json()
        return {a["nickname"] for a in listed if a["isDefault"]}

    assert defaults() == {"A", "C"}
    assert identity.post(f"{second.headers['location']}/set-default").status_code == 200
    assert defaults() == {"B", "C"}

    # Concurrent requests to move the default: exactly one Shipping default remains.
    async def race() -> list[int]:
        base = str(identity.base_url)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            urls = [first.headers["location"], second.headers["location"]] * 10
            answers = await asyncio.gather(*(client.post(f"{url}/set-default") for url in urls))
        return [answer.status_code for answer in answers]

    assert set(asyncio.run(race())) == {200}
    assert len(defaults() & {"A", "B"}) == 1

    snapshot = identity.get(f"/api/addresses/{first.json()['id']}/snapshot")
    assert snapshot.json() == {k: v for k, v in SHIPPING.items() if k != "type"}
    assert "lastUsedAt" in identity.get(first.headers["location"]).json()

    other = new_customer(identity)
    stolen = f"{other}/addresses/{first.json()['id']}/set-default"
    assert identity.post(stolen).status_code == 403
    other_id = other.rsplit("/", 1)[1]
    foreign = identity.get(f"/api/addresses/{first.json()['id']}/snapshot?customerId={other_id}")
    assert foreign.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/customers", {"email": "x@example.com", "firstName": "X", "lastName": "Y",
                                    "password": "short"}, 400),
        ("POST", "/api/customers", {"email": "no-at-sign", "firstName": "X", "lastName": "Y",
                                    "password": "long-enough"}, 400),
        ("POST", "/api/customers", {"email": "alice@example.com", "firstName": "X",
                                    "lastName": "Y", "password": "long-enough"}, 409),
        ("POST", "/api/auth/login", {"email": "alice@example.com"}, 400),
        ("GET", "/api/customers/not-a-uuid", None, 400),
        ("GET", f"/api/customers/{uuid.UUID(int=5)}", None, 404),
        ("GET", f"/api/customers/{ALICE}/addresses?type=Holiday", None, 400),
        ("POST", f"/api/customers/{ALICE}/addresses", {**SHIPPING, "nickname": "Home"}, 409),
        ("POST", f"/api/customers/{ALICE}/addresses", {**SHIPPING, "nickname": "Z",
                                                        "country": "USA"}, 400),
        ("POST", f"/api/customers/{ALICE}/addresses", {**SHIPPING, "nickname": "\u0000"}, 400),
        ("GET", f"/api/addresses/{uuid.UUID(int=5)}/snapshot", None, 404),
    ],
)  # fmt: skip
def test_bad_input_gets_a_4xx_with_a_reason(
    identity: httpx.Client, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    answer = identity.request(method, path, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"]


def test_seeding_is_complete_and_happens_once(shared_sandbox: SandboxHandle) -> None:
    password = shared_sandbox.secrets()["postgres/identity"]
    port = shared_sandbox.port_base + 1

    def seeded() -> tuple[int, int]:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="identity", password=password, dbname="identity"
        ) as connection:
            row = connection.execute(
                "SELECT (SELECT count(*) FROM customers WHERE email LIKE 'customer____@example.com'"
                "        OR id = %s),"
                "       (SELECT count(*) FROM addresses a JOIN customers c ON c.id = a.customer_id"
                "        WHERE c.email LIKE 'customer____@example.com' OR c.id = %s)",
                (ALICE, ALICE),
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    customers, addresses = seeded()
    assert customers == 2001
    assert addresses >= 2002
    shared_sandbox.cli("restart", "identity")  # returns once the service is ready again
    assert shared_sandbox.component("identity")["state"] == "ready"
    assert seeded() == (customers, addresses)
