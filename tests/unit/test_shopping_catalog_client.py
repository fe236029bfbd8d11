"""The catalog adapter: each catalog answer (or silence) becomes a price or a precise error.

The catalog is played by ``httpx.MockTransport``; only the transport is replaced,
the adapter's own client code runs as in production.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from services.kernel.errors import DependencyUnavailable
from services.shopping.catalog_client import (
    CatalogUnavailable,
    HttpCatalog,
    ProductNotForSale,
    UnknownProduct,
)

Respond = Callable[[httpx.Request], httpx.Response]


def product(sku: str, price: str = "19.99", status: str = "Active") -> httpx.Response:
    body = {"sku": sku, "name": "Bowl", "price": price, "status": status, "images": [], "tags": []}
    return httpx.Response(200, json=body)


def price_of(sku: str, respond: Respond) -> Decimal:
    async def run() -> Decimal:
        transport = httpx.MockTransport(respond)
        async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
            return await HttpCatalog(client).price_of(sku)

    return asyncio.run(run())


def test_an_active_product_gives_its_exact_price() -> None:
    seen: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return product("DOG-BOWL-001", price="19.99")

    price = price_of("DOG-BOWL-001", respond)
    assert price == Decimal("19.99")
    assert isinstance(price, Decimal)
    assert seen == ["/api/products/DOG-BOWL-001"]


def test_an_unknown_sku_is_a_bad_request() -> None:
    def respond(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "product NOPE not found"})

    with pytest.raises(UnknownProduct, match="NOPE") as caught:
        price_of("NOPE", respond)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("status", ["Discontinued", "ComingSoon", "OutOfSeason"])
def test_a_product_that_is_not_active_cannot_be_sold(status: str) -> None:
    with pytest.raises(ProductNotForSale, match=status):
        price_of("XMAS-PET-SWEATER", lambda _request: product("XMAS-PET-SWEATER", status=status))


@pytest.mark.parametrize(
    ("respond", "reason"),
    [
        (lambda _request: httpx.Response(500), "answered 500"),
        (lambda _request: httpx.Response(503, text="busy"), "answered 503"),
        (lambda _request: httpx.Response(200, text="<html>"), "not a product"),
        (lambda _request: httpx.Response(200, json={"sku": "A"}), "not a product"),
    ],
)
def test_a_catalog_that_answers_badly_is_unavailable(respond: Respond, reason: str) -> None:
    with pytest.raises(CatalogUnavailable, match=reason) as caught:
        price_of("DOG-BOWL-001", respond)
    assert isinstance(caught.value, DependencyUnavailable)  # the kernel answers it with 503
    assert str(caught.value).startswith("catalog unavailable: ")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ConnectError("connection refused"), "connection refused"),
        (httpx.ReadTimeout("read timed out"), "in time"),
        (httpx.RemoteProtocolError("peer closed"), "peer closed"),
    ],
)
def test_a_catalog_that_cannot_be_reached_is_unavailable(
    error: httpx.HTTPError, reason: str
) -> None:
    def respond(_request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(CatalogUnavailable, match=reason):
        price_of("DOG-BOWL-001", respond)


def test_the_product_body_may_carry_fields_shopping_does_not_read() -> None:
    def respond(_request: httpx.Request) -> httpx.Response:
        body = json.loads(product("A", price="5.00").content)
        body["dimensions"] = {"length": "1"}
        return httpx.Response(200, json=body)

    assert price_of("A", respond) == Decimal("5.00")
