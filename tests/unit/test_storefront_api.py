"""The Storefront's HTTP composition in-process, with the other services faked at HTTP level.

The app is the real one (``build_storefront_app``, lifespan included); its database and
broker point at a closed port and stay unavailable. Upstream calls go through an
``httpx.MockTransport`` that plays Catalog, Inventory, Shopping, Orders and Identity
(``FakeShop``) and records every request it gets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from services.kernel.auth import issue_token
from services.kernel.errors import ConfigurationError
from services.kernel.settings import ServiceSettings
from services.storefront.main import build_storefront_app
from services.storefront.settings import StorefrontSettings
from services.storefront.sse.gateway import StreamGateway
from tests.tokens import tampered

KEY = "unit-test-signing-key"
ALICE = UUID("11111111-1111-1111-1111-111111111111")
BOB = UUID("22222222-2222-2222-2222-222222222222")
HOME = UUID("44444444-4444-4444-4444-444444444444")


def bearer(customer: UUID = ALICE) -> dict[str, str]:
    token = issue_token(customer, KEY, now=datetime.now(UTC), ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def product(sku: str, price: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": f"Name of {sku}",
        "description": "d",
        "category": "Dogs",
        "price": price,
        "status": "Active",
        "images": [{"url": f"https://img/{sku}", "altText": ""}],
    }


class FakeShop:
    """The five upstream services, answering from dicts; ``down`` names unreachable ones."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.down: set[str] = set()
        self.broken: set[str] = set()
        self.carts: dict[UUID, dict[str, Any]] = {}
        self.addresses: list[dict[str, Any]] = [
            {"id": str(HOME), "type": "Shipping", "nickname": "Home", "isDefault": True}
        ]
        self.checkout_known_after = 2  # Orders answers 404 to the first attempts
        self.complete_attempts = 0
        self.orders: dict[UUID, dict[str, Any]] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        service = request.url.host.split(".")[0]
        if service in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if service in self.broken:
            return httpx.Response(500, text="boom")
        answer = getattr(self, f"_{service}")(request, request.url.path)
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def _catalog(self, request: httpx.Request, path: str) -> Any:
        items = [product("DOG-BOWL-001", "19.99"), product("CAT-TOY-LASER", "21.99")]
        return {"products": items, "page": 1, "pageSize": 20, "totalCount": 2}

    def _inventory(self, request: httpx.Request, path: str) -> Any:
        asked = request.url.params["skus"].split(",")
        return {"items": [{"sku": sku, "available": 5, "inStock": True} for sku in asked[:1]]}

    def _identity(self, request: httpx.Request, path: str) -> Any:
        if path == "/api/auth/login":
            body = json.loads(request.content)
            if body["password"] != "right":
                return _problem(401, "the email or the password is wrong")
            return {"customerId": str(ALICE), "token": "t", "expiresAt": "2026-01-01T00:00:00Z"}
        return self.addresses

    def _shopping(self, request: httpx.Request, path: str) -> Any:
        if request.method == "GET":
            customer = UUID(request.url.params["customerId"])
            cart = self.carts.get(customer)
            return cart if cart is not None else _problem(404, "no active cart")
        if path == "/api/carts":
            customer = UUID(json.loads(request.content)["customerId"])
            cart = self.carts.setdefault(customer, _cart(customer))
            return httpx.Response(201, json={"cartId": cart["cartId"]})
        if path.endswith("/checkout"):
            return httpx.Response(201, json={"checkoutId": str(uuid4())})
        if path.endswith("/items") and request.method == "POST":
            body = json.loads(request.content)
            if body["sku"] == "NOPE":
                return _problem(400, "product NOPE cannot be sold")
            cart = next(
                c for c in self.carts.values() if path.startswith(f"/api/carts/{c['cartId']}")
            )
            cart["items"].append(
                {
                    "sku": body["sku"],
                    "quantity": body["quantity"],
                    "unitPrice": "19.99",
                    "lineTotal": "19.99",
                }
            )
            cart["itemCount"] = len(cart["items"])
            return cart
        return _problem(404, "not here")

    def _orders(self, request: httpx.Request, path: str) -> Any:
        if path.endswith("/complete"):
            self.complete_attempts += 1
            if self.complete_attempts <= self.checkout_known_after:
                return _problem(404, "checkout not found; retry")
            return httpx.Response(201, json={"orderId": str(uuid4())})
        if path.startswith("/api/checkouts/"):
            return {"checkoutId": path.split("/")[3], "customerId": str(BOB), "isCompleted": False}
        if path == "/api/orders":
            return {
                "orders": [_summary(o) for o in self.orders.values()],
                "page": 1,
                "pageSize": 20,
                "totalCount": len(self.orders),
            }
        order = self.orders.get(UUID(path.split("/")[-1]))
        return order if order is not None else _problem(404, "order not found")


def _problem(status: int, detail: str) -> httpx.Response:
    body = {"type": "about:blank", "title": "x", "status": status, "detail": detail}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def _cart(customer: UUID) -> dict[str, Any]:
    return {
        "cartId": str(uuid4()),
        "customerId": str(customer),
        "status": "Active",
        "items": [],
        "itemCount": 0,
        "totalAmount": "0.00",
    }


def _order(customer: UUID) -> dict[str, Any]:
    line = {"sku": "DOG-BOWL-001", "quantity": 1, "unitPrice": "19.99", "lineTotal": "19.99"}
    address = {
        "addressLine1": "1 Main St",
        "city": "Seattle",
        "stateOrProvince": "WA",
        "postalCode": "98101",
        "country": "US",
    }
    placed = "2026-02-17T12:00:00Z"
    return {
        "orderId": str(uuid4()),
        "customerId": str(customer),
        "status": "Placed",
        "lines": [line],
        "shippingAddress": address,
        "shippingMethod": "Standard",
        "shippingCost": "5.99",
        "subtotal": "19.99",
        "totalAmount": "25.98",
        "placedAt": placed,
        "history": [{"status": "Placed", "occurredAt": placed}],
    }


def _summary(order: dict[str, Any]) -> dict[str, Any]:
    fields = ("orderId", "customerId", "placedAt", "status", "totalAmount")
    return {**{name: order[name] for name in fields}, "itemCount": 1}


Scenario = Callable[[httpx.AsyncClient, FakeShop], Awaitable[None]]


def serve(scenario: Scenario, *, deadline_s: float = 2.0, gateway: bool = False) -> None:
    settings = ServiceSettings(
        service_name="storefront",
        http_port=8000,
        database_url="postgresql://storefront:pw@127.0.0.1:1/storefront",
        amqp_url="amqp://storefront:pw@127.0.0.1:1/%2Fcritter",
        auth_signing_key=KEY,
        upstreams={
            name: f"http://{name}.test"
            for name in ("catalog", "identity", "inventory", "shopping", "orders")
        },
    )
    shop = FakeShop()
    storefront = StorefrontSettings(checkout_deadline_seconds=deadline_s)
    app = build_storefront_app(settings, storefront, transport=httpx.MockTransport(shop.handle))

    async def run() -> None:
        async with app.router.lifespan_context(app):
            asgi = StreamGateway(app) if gateway else app
            transport = httpx.ASGITransport(app=asgi)
            async with httpx.AsyncClient(transport=transport, base_url="http://sf") as client:
                async with asyncio.timeout(10):
                    await scenario(client, shop)

    asyncio.run(run())


def test_product_cards_carry_price_and_stock() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        answer = await client.get("/api/storefront/products", params={"pageSize": 2})
        assert answer.status_code == 200
        cards = answer.json()["products"]
        assert [(c["sku"], c["price"], c["inStock"]) for c in cards] == [
            ("DOG-BOWL-001", "19.99", True),
            ("CAT-TOY-LASER", "21.99", False),  # Inventory does not list it
        ]
        assert cards[0]["imageUrl"] == "https://img/DOG-BOWL-001"
        listing = shop.requests[0]
        assert listing.url.params["status"] == "Active"

    serve(scenario)


def test_the_cart_is_opened_on_the_first_add_and_shown_with_names() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        empty = await client.get("/api/storefront/cart", headers=bearer())
        assert empty.json() == {"items": [], "itemCount": 0, "totalAmount": "0.00"}
        added = await client.post(
            "/api/storefront/cart/items",
            json={"sku": "DOG-BOWL-001", "quantity": 1},
            headers=bearer(),
        )
        assert added.status_code == 200
        assert added.json()["items"][0]["name"] == "Name of DOG-BOWL-001"
        assert json.loads(shop.requests[1].content) == {"customerId": str(ALICE)}
        refused = await client.post(
            "/api/storefront/cart/items", json={"sku": "NOPE", "quantity": 1}, headers=bearer()
        )
        assert refused.status_code == 400
        assert refused.json()["detail"] == "shopping: product NOPE cannot be sold"
        no_cart = await client.put(
            "/api/storefront/cart/items/DOG-BOWL-001", json={"quantity": 2}, headers=bearer(BOB)
        )
        assert no_cart.status_code == 404

    serve(scenario)


def test_checkout_waits_for_orders_to_know_the_checkout_then_places_the_order() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        shop.carts[ALICE] = _cart(ALICE)
        auth = bearer()
        answer = await client.post(
            "/api/storefront/checkout", json={"paymentMethodToken": "tok_visa"}, headers=auth
        )
        assert answer.status_code == 201, answer.text
        assert answer.headers["location"] == f"/api/storefront/orders/{answer.json()['orderId']}"
        completes = [r for r in shop.requests if r.url.path.endswith("/complete")]
        assert len(completes) == 3  # two 404s while CheckoutInitiated travels, then 201
        assert json.loads(completes[-1].content) == {
            "addressId": str(HOME),
            "shippingMethod": "Standard",
            "paymentMethodToken": "tok_visa",
        }
        assert completes[-1].headers["authorization"] == auth["Authorization"]

    serve(scenario)


def test_a_cart_filled_here_is_checked_out_without_reading_it_again() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        body = {"sku": "DOG-BOWL-001", "quantity": 1}
        for _ in range(2):
            added = await client.post("/api/storefront/cart/items", json=body, headers=bearer())
            assert added.status_code == 200
        answer = await client.post(
            "/api/storefront/checkout", json={"paymentMethodToken": "tok_visa"}, headers=bearer()
        )
        assert answer.status_code == 201, answer.text
        calls = [(r.method, r.url.host.split(".")[0], r.url.path) for r in shop.requests]
        calls = [call for call in calls if call[1] != "catalog"]  # names for the cart view
        cart_id = shop.carts[ALICE]["cartId"]
        assert calls[:5] == [
            ("POST", "shopping", "/api/carts"),  # opened once, then remembered
            ("POST", "shopping", f"/api/carts/{cart_id}/items"),
            ("POST", "shopping", f"/api/carts/{cart_id}/items"),
            ("GET", "identity", f"/api/customers/{ALICE}/addresses"),  # before closing it
            ("POST", "shopping", f"/api/carts/{cart_id}/checkout"),
        ]
        assert ("GET", "shopping", "/api/carts") not in calls

    serve(scenario)


def test_checkout_past_the_deadline_is_a_503_naming_the_checkout() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        shop.carts[ALICE] = _cart(ALICE)
        shop.checkout_known_after = 10_000
        answer = await client.post(
            "/api/storefront/checkout", json={"paymentMethodToken": "tok_visa"}, headers=bearer()
        )
        assert answer.status_code == 503
        assert "POST /api/storefront/checkouts/" in answer.json()["detail"]

    serve(scenario, deadline_s=0.2)


def test_checkout_needs_a_cart_an_address_and_the_callers_own_checkout() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        body = {"paymentMethodToken": "tok_visa"}
        no_cart = await client.post("/api/storefront/checkout", json=body, headers=bearer())
        assert no_cart.status_code == 400
        shop.carts[ALICE] = _cart(ALICE)
        shop.addresses = []
        no_address = await client.post("/api/storefront/checkout", json=body, headers=bearer())
        assert no_address.status_code == 400
        assert "addressId" in no_address.json()["detail"]
        bobs = await client.post(
            f"/api/storefront/checkouts/{uuid4()}/complete", json=body, headers=bearer()
        )
        assert bobs.status_code == 403
        invalid = await client.post("/api/storefront/checkout", json={}, headers=bearer())
        assert invalid.status_code == 400

    serve(scenario)


def test_an_unreachable_or_failing_upstream_is_named_and_never_a_500() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        shop.down.add("catalog")
        down = await client.get("/api/storefront/products")
        assert down.status_code == 503
        assert down.json()["detail"].startswith("catalog unavailable: ConnectError")
        assert down.headers["retry-after"] == "1"
        shop.down.clear()
        shop.broken.add("inventory")
        broken = await client.get("/api/storefront/products")
        assert broken.status_code == 502
        assert broken.json()["detail"].startswith("inventory answered 500")

    serve(scenario)


def test_the_caller_is_the_token_and_sees_only_their_own_orders() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        mine, bobs = _order(ALICE), _order(BOB)
        shop.orders = {UUID(o["orderId"]): o for o in (mine, bobs)}
        assert (await client.get("/api/storefront/orders")).status_code == 401
        forged = {"Authorization": tampered(bearer()["Authorization"])}
        assert (await client.get("/api/storefront/orders", headers=forged)).status_code == 401
        listing = await client.get("/api/storefront/orders", headers=bearer())
        assert [o["orderId"] for o in listing.json()["orders"]] == [mine["orderId"]]
        assert shop.requests[-1].url.params["customerId"] == str(ALICE)
        detail = await client.get(f"/api/storefront/orders/{mine['orderId']}", headers=bearer())
        assert detail.json()["lines"][0]["name"] == "Name of DOG-BOWL-001"
        hidden = await client.get(f"/api/storefront/orders/{bobs['orderId']}", headers=bearer())
        assert hidden.status_code == 404

    serve(scenario)


def test_login_is_relayed_to_customer_identity() -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        body = {"email": "alice@example.com", "password": "right"}
        ok = await client.post("/api/storefront/login", json=body)
        assert ok.json()["customerId"] == str(ALICE)
        wrong = await client.post("/api/storefront/login", json=body | {"password": "wrong"})
        assert wrong.status_code == 401

    serve(scenario)


@pytest.mark.parametrize("gateway", [False, True])
def test_streams_refuse_strangers_through_the_gateway_and_the_routes(gateway: bool) -> None:
    async def scenario(client: httpx.AsyncClient, shop: FakeShop) -> None:
        anonymous = await client.get("/sse/storefront")
        assert anonymous.status_code == 401
        other = await client.get(f"/sse/storefront/customers/{BOB}", headers=bearer())
        assert other.status_code == 403
        # the database is down in these tests: an admitted stream cannot start
        own = await client.get(f"/sse/storefront/customers/{ALICE}", headers=bearer())
        assert own.status_code == 503
        docs = await client.get("/openapi.json")
        assert "/sse/storefront" in docs.json()["paths"]

    serve(scenario, gateway=gateway)


def test_the_app_refuses_to_start_without_a_signing_key_or_an_upstream() -> None:
    base: dict[str, Any] = {
        "service_name": "storefront",
        "http_port": 8000,
        "database_url": "postgresql://storefront:pw@127.0.0.1:1/storefront",
        "amqp_url": "amqp://storefront:pw@127.0.0.1:1/%2Fcritter",
        "upstreams": dict.fromkeys(
            ("catalog", "identity", "inventory", "shopping", "orders"), "http://x.test"
        ),
    }
    with pytest.raises(ConfigurationError, match="AUTH_SIGNING_KEY"):
        build_storefront_app(ServiceSettings(**base), StorefrontSettings())
    without_orders = base | {"auth_signing_key": KEY, "upstreams": {"catalog": "http://x.test"}}
    with pytest.raises(ConfigurationError, match="UPSTREAM_IDENTITY_URL"):
        build_storefront_app(ServiceSettings(**without_orders), StorefrontSettings())
