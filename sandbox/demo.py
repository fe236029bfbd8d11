"""``sandbox demo``: a short walk through a running sandbox, as a shopper would take it.

It talks to the services over HTTP through their public ports only: a seeded customer logs
in, browses the catalog, fills a cart, checks out, and follows each order until it is
delivered. A chaos scenario and a load test join it as those land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.errors import SandboxError
from sandbox.runtime import Runtime
from sandbox.waiting import wait_until

TIMEOUT_S = 10.0
ORDER_DEADLINE_S = 60.0
DEMO_CUSTOMER = 1
BASKETS = ({"DOG-BOWL-001": 2}, {"CAT-TOY-LASER": 1, "BIRD-SEED-MIX": 3}, {"FISH-FOOD-FLAKE": 1})
ADDRESS = {
    "addressLine1": "123 Main Street",
    "city": "Seattle",
    "stateOrProvince": "WA",
    "postalCode": "98101",
    "country": "US",
}


@dataclass(frozen=True)
class DemoStep:
    title: str
    outcome: str


class _Shop:
    def __init__(self, runtime: Runtime, client: httpx.Client) -> None:
        self._runtime = runtime
        self._client = client

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self._runtime.port(service)}{path}"

    def raw(self, method: str, service: str, path: str, **kw: Any) -> httpx.Response:
        return self._client.request(method, self.url(service, path), **kw)

    def call(
        self, method: str, service: str, path: str, expected: int | tuple[int, ...], **kw: Any
    ) -> Any:
        response = self.raw(method, service, path, **kw)
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if response.status_code not in allowed:
            raise SandboxError(
                f"{service}: {method} {path} answered {response.status_code}: {response.text[:200]}"
            )
        return response.json()


def run_demo(runtime: Runtime, say: Callable[[DemoStep], None]) -> None:
    with httpx.Client(timeout=TIMEOUT_S) as client:
        shop = _Shop(runtime, client)
        email = f"customer{DEMO_CUSTOMER:04d}@example.com"
        login = shop.call("POST", "identity", "/api/auth/login", 200, json={
            "email": email, "password": f"critter-pass-{DEMO_CUSTOMER:04d}",
        })  # fmt: skip
        customer = login["customerId"]
        say(DemoStep("log in", f"{email} is customer {customer}"))
        page = shop.call("GET", "catalog", "/api/products", 200, params={"pageSize": 5})
        say(DemoStep("browse the catalog", f"{page['totalCount']} products"))
        for basket in BASKETS:
            order_id = _place_order(shop, customer, basket)
            say(DemoStep("check out", f"{basket} -> order {order_id}"))
            history = _follow(shop, order_id)
            say(DemoStep("follow the order", " -> ".join(history)))


def _place_order(shop: _Shop, customer: str, basket: dict[str, int]) -> str:
    created = shop.call("POST", "shopping", "/api/carts", (200, 201), json={"customerId": customer})
    cart = created["cartId"]
    for sku, quantity in basket.items():
        shop.call("POST", "shopping", f"/api/carts/{cart}/items", 200,
                  json={"sku": sku, "quantity": quantity})  # fmt: skip
    checkout = shop.call("POST", "shopping", f"/api/carts/{cart}/checkout", 201)["checkoutId"]
    body = {"address": ADDRESS, "shippingMethod": "Standard", "paymentMethodToken": "tok_visa"}
    answers: list[httpx.Response] = []

    def accepted() -> bool:  # Orders opens the checkout when CheckoutInitiated arrives
        path = f"/api/checkouts/{checkout}/complete"
        answers.append(shop.raw("POST", "orders", path, json=body))
        return answers[-1].status_code != 404

    wait_until(accepted, ORDER_DEADLINE_S, "Orders never received the checkout")
    if answers[-1].status_code != 201:
        raise SandboxError(f"orders: completing the checkout answered {answers[-1].text[:200]}")
    return str(answers[-1].json()["orderId"])


def _follow(shop: _Shop, order_id: str) -> list[str]:
    final: dict[str, Any] = {}

    def finished() -> bool:
        final.update(shop.call("GET", "orders", f"/api/orders/{order_id}", 200))
        return final["status"] in ("Delivered", "Cancelled")

    wait_until(finished, ORDER_DEADLINE_S, f"order {order_id} did not finish")
    return [step["status"] for step in final["history"]]
