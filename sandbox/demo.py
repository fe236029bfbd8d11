"""``sandbox demo``: a short walk through a running sandbox, as a user would take it.

It talks to the services over HTTP through their public ports only. It grows with the
system: today it exercises the Product Catalog; the order flow, a chaos scenario and a
load test join it as those land.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.errors import SandboxError
from sandbox.runtime import Runtime

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class DemoStep:
    title: str
    outcome: str


def run_demo(runtime: Runtime, say: Callable[[DemoStep], None]) -> None:
    base = f"http://127.0.0.1:{runtime.port('catalog')}"
    with httpx.Client(base_url=base, timeout=TIMEOUT_S) as client:
        page = _ok(client.get("/api/products", params={"pageSize": 5}))
        say(DemoStep("browse the catalog", f"{page['totalCount']} products, e.g. "
                     + ", ".join(p["sku"] for p in page["products"][:3])))  # fmt: skip
        sku = f"DEMO-{secrets.token_hex(3).upper()}"
        body = {
            "sku": sku,
            "name": "Demo chew toy",
            "description": "Added by sandbox demo",
            "category": "Dogs",
            "price": "4.99",
        }
        _ok(client.post("/api/products", json=body), expected=201)
        say(DemoStep("add a product", f"{sku} created"))
        product = _ok(client.get(f"/api/products/{sku}"))
        say(
            DemoStep("read it back", f"{product['sku']} at {product['price']}, {product['status']}")
        )
        duplicate = client.post("/api/products", json=body)
        say(DemoStep("add it again", f"refused with HTTP {duplicate.status_code}"))


def _ok(response: httpx.Response, expected: int = 200) -> dict[str, Any]:
    if response.status_code != expected:
        raise SandboxError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:200]}"
        )
    body = response.json()
    if not isinstance(body, dict):
        raise SandboxError(f"{response.request.url.path} returned {type(body).__name__}")
    return body
