"""Prices from the Product Catalog over HTTP: the ``PriceSource`` port and its adapter.

A cart never takes a price from its client: each new line is priced by
``GET /api/products/{sku}`` on the catalog (through the ``shopping->catalog``
Toxiproxy link). One ``httpx.AsyncClient`` lives as long as the process, so
connections are reused; every call is bounded by ``CATALOG_TIMEOUT``.

Errors, translated here so the routes need no code for them:

* the catalog cannot be reached, times out, answers 5xx or something that is not
  a product -> ``CatalogUnavailable`` (503 with the reason; the client may retry);
* 404 -> ``UnknownProduct`` (400: the body names a SKU that does not exist);
* a product that is not ``Active`` (discontinued, coming soon, out of season)
  -> ``ProductNotForSale`` (400).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Protocol

import httpx
from pydantic import BaseModel, ValidationError

from services.kernel.errors import BadRequest, DependencyUnavailable
from services.kernel.logs import describe_error

# Generous next to the catalog's ~1 ms answers, short enough that a cut link turns
# into a 503 well before a shopper's own client gives up.
CATALOG_TIMEOUT = httpx.Timeout(2.0, connect=1.0)
_LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=30.0)


class CatalogUnavailable(DependencyUnavailable):
    """The Product Catalog did not give a usable answer (HTTP 503)."""

    dependency = "catalog"


class UnknownProduct(BadRequest):
    """The catalog has no product with this SKU (or it was deleted)."""


class ProductNotForSale(BadRequest):
    """The product exists but is not ``Active``, so it cannot be added to a cart."""


class PriceSource(Protocol):
    """Where carts get their prices. Real adapter: ``HttpCatalog``."""

    async def price_of(self, sku: str) -> Decimal:
        """The current unit price of an Active product; raises the errors above."""
        ...


class _CatalogProduct(BaseModel):
    """The part of the catalog's product answer that Shopping reads."""

    sku: str
    price: Decimal
    status: str


class HttpCatalog:
    """``PriceSource`` backed by the catalog's HTTP API."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    @classmethod
    @asynccontextmanager
    async def open(cls, base_url: str) -> AsyncIterator[HttpCatalog]:
        """A catalog client for the lifespan of the app; closes its connections on exit."""
        transport = httpx.AsyncHTTPTransport(retries=1, limits=_LIMITS)  # retries connects only
        async with httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=CATALOG_TIMEOUT,
            headers={"accept": "application/json", "user-agent": "critter-shopping"},
        ) as client:
            yield cls(client)

    async def price_of(self, sku: str) -> Decimal:
        try:
            response = await self._client.get(f"/api/products/{sku}")
        except httpx.TimeoutException:
            raise CatalogUnavailable("no answer from the catalog in time") from None
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(describe_error(exc)) from exc
        if response.status_code == 404:
            raise UnknownProduct(f"no product {sku} in the catalog")
        if response.status_code != 200:
            raise CatalogUnavailable(f"the catalog answered {response.status_code} for {sku}")
        try:
            product = _CatalogProduct.model_validate_json(response.content)
        except ValidationError:
            raise CatalogUnavailable(f"the catalog's answer for {sku} is not a product") from None
        if product.status != "Active":
            raise ProductNotForSale(f"product {sku} is {product.status} and cannot be sold")
        return product.price
