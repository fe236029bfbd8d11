"""The Storefront's caches of upstream answers: expiry on an injected clock, the size
bound, and the remembered cart id that falls back to asking Shopping when stale."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from services.kernel.errors import BadRequest
from services.kernel.http_client import HttpxSender
from services.storefront.clients.base import Upstream
from services.storefront.clients.cache import TtlCache
from services.storefront.clients.catalog import CatalogClient
from services.storefront.clients.inventory import InventoryClient
from services.storefront.clients.shopping import ShoppingClient
from services.storefront.pacing import ArrivalPacer

ALICE = UUID("11111111-1111-1111-1111-111111111111")
Respond = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def upstream(name: str, respond: Respond) -> AsyncIterator[Upstream]:
    transport = httpx.MockTransport(respond)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
        yield Upstream(name, HttpxSender(client))


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


def test_an_entry_lives_ttl_seconds() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(ttl_s=3.0, max_entries=10, clock=clock)
    cache.put("a", 1)
    clock.now += 2.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    assert len(cache) == 0


def test_the_oldest_entry_goes_first_past_the_bound() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_s=60.0, max_entries=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)  # stored again: now the newest
    cache.put("c", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (3, None, 4)
    assert len(cache) == 2


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_s=0.0, max_entries=2)
    cache.put("a", 1)
    assert cache.get("a") is None
    with pytest.raises(ValueError, match="max_entries"):
        TtlCache(ttl_s=1.0, max_entries=0)


def _listing(request: httpx.Request) -> httpx.Response:
    product = {"sku": "DOG-BOWL-001", "name": "Bowl", "price": "19.99", "status": "Active"}
    body = {"products": [product], "page": 1, "pageSize": 100, "totalCount": 1}
    return httpx.Response(200, json=body)


def test_a_listing_page_is_reused_until_it_expires() -> None:
    clock, calls = Clock(), []

    def respond(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url.params))
        return _listing(request)

    async def test() -> None:
        async with upstream("catalog", respond) as catalog_link:
            catalog = CatalogClient(catalog_link, listing_ttl_s=3.0, clock=clock)
            for _ in range(3):
                await catalog.list_products(page=1, page_size=20, category=None, status="Active")
            await catalog.list_products(page=2, page_size=20, category=None, status="Active")
            assert len(calls) == 2
            clock.now += 3.0
            await catalog.list_products(page=1, page_size=20, category=None, status="Active")
            assert len(calls) == 3

    run(test)


def test_names_are_reloaded_only_after_their_ttl() -> None:
    clock, calls = Clock(), []

    def respond(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return _listing(request)

    async def test() -> None:
        async with upstream("catalog", respond) as catalog_link:
            catalog = CatalogClient(catalog_link, names_ttl_s=30.0, clock=clock)
            assert (await catalog.describe(["DOG-BOWL-001"]))["DOG-BOWL-001"].name == "Bowl"
            clock.now += 29.0
            await catalog.describe(["DOG-BOWL-001"])
            assert len(calls) == 1
            clock.now += 1.0
            await catalog.describe(["DOG-BOWL-001"])
            assert len(calls) == 2

    run(test)


def test_stock_is_asked_every_time_unless_a_ttl_is_set() -> None:
    clock, calls = Clock(), []

    def respond(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["skus"])
        return httpx.Response(200, json={"items": [{"sku": "A", "inStock": True}]})

    async def test() -> None:
        async with upstream("inventory", respond) as link:
            fresh = InventoryClient(link, clock=clock)
            for _ in range(2):
                assert await fresh.in_stock(["A", "B"]) == {"A": True, "B": False}
            assert calls == ["A,B", "A,B"]
            brief = InventoryClient(link, ttl_s=1.0, clock=clock)
            await brief.in_stock(["A", "B"])
            await brief.in_stock(["A", "B"])
            assert len(calls) == 3
            clock.now += 1.0
            await brief.in_stock(["A", "B"])
            assert len(calls) == 4

    run(test)


class FakeShopping:
    """Carts by id; ``closed`` ones refuse changes the way Shopping does (400)."""

    def __init__(self) -> None:
        self.active: dict[UUID, UUID] = {}
        self.closed: set[UUID] = set()
        self.calls: list[str] = []

    def respond(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        if path == "/api/carts":
            customer = UUID(json.loads(request.content)["customerId"])
            cart_id = self.active.setdefault(customer, uuid4())
            return httpx.Response(201, json={"cartId": str(cart_id)})
        cart_id = UUID(path.split("/")[3])
        if cart_id in self.closed:
            return httpx.Response(400, json={"detail": f"cart {cart_id} is CheckedOut"})
        if path.endswith("/checkout"):
            self.closed.add(cart_id)
            self.active = {c: i for c, i in self.active.items() if i != cart_id}
            return httpx.Response(201, json={"checkoutId": str(uuid4())})
        return httpx.Response(200, json=self._cart(cart_id))

    def _cart(self, cart_id: UUID) -> dict[str, Any]:
        line = {"sku": "A", "quantity": 1, "unitPrice": "1.00", "lineTotal": "1.00"}
        return {
            "cartId": str(cart_id),
            "status": "Active",
            "items": [line],
            "itemCount": 1,
            "totalAmount": "1.00",
        }


def test_a_remembered_cart_saves_opening_it_again() -> None:
    shop = FakeShopping()

    async def test() -> None:
        async with upstream("shopping", shop.respond) as link:
            shopping = ShoppingClient(link, cart_id_ttl_s=300.0)
            first = await shopping.add_to_cart_of(ALICE, "A", 1)
            second = await shopping.add_to_cart_of(ALICE, "B", 1)
            assert first.cart_id == second.cart_id
            assert [call.split()[0] for call in shop.calls] == ["POST"] * 3  # open, add, add
            assert shopping.remembers_cart_of(ALICE)
            assert await shopping.check_out_cart_of(ALICE) is not None
            assert not shopping.remembers_cart_of(ALICE)

    run(test)


def test_a_cart_closed_elsewhere_is_noticed_and_a_new_one_opened() -> None:
    shop = FakeShopping()

    async def test() -> None:
        async with upstream("shopping", shop.respond) as link:
            shopping = ShoppingClient(link, cart_id_ttl_s=300.0)
            old = (await shopping.add_to_cart_of(ALICE, "A", 1)).cart_id
            shop.closed.add(old)  # another replica checked it out
            shop.active.clear()
            new = (await shopping.add_to_cart_of(ALICE, "A", 1)).cart_id
            assert new != old
            assert shop.calls[-3:] == [
                f"POST /api/carts/{old}/items",
                "POST /api/carts",
                f"POST /api/carts/{new}/items",
            ]

    run(test)


def test_without_a_ttl_every_add_opens_the_cart_and_errors_are_relayed() -> None:
    shop = FakeShopping()

    async def test() -> None:
        async with upstream("shopping", shop.respond) as link:
            shopping = ShoppingClient(link)
            await shopping.add_to_cart_of(ALICE, "A", 1)
            await shopping.add_to_cart_of(ALICE, "A", 1)
            assert [call.endswith("/api/carts") for call in shop.calls] == [True, False] * 2
            shop.closed.update(shop.active.values())
            with pytest.raises(BadRequest, match="CheckedOut"):
                await shopping.add_to_cart_of(ALICE, "A", 1)

    run(test)


def test_the_pacer_learns_the_typical_delay_and_forgets_a_long_one() -> None:
    pacer = ArrivalPacer(share=0.5, cap_s=0.4, weight=0.5)
    assert pacer.first_wait_s() == 0.0
    pacer.arrived_after(0.2)
    pacer.arrived_after(0.2)
    assert pacer.first_wait_s() == pytest.approx(0.075)
    for _ in range(20):
        pacer.arrived_after(5.0)
    assert pacer.first_wait_s() == 0.4  # capped
    for _ in range(20):
        pacer.arrived_after(0.1)
    assert pacer.first_wait_s() == pytest.approx(0.05, abs=1e-3)
