"""Prices from the Product Catalog over HTTP: the ``PriceSource`` port and its adapter.

A cart never takes a price from its client: each new line is priced by
``GET /api/products/{sku}`` on the catalog (through the ``shopping->catalog``
Toxiproxy link). One aiohttp session (``services.kernel.http_client``) lives as long
as the process, so connections are reused; every call is bounded by
``CATALOG_TIMEOUT_S`` (connecting: ``CONNECT_TIMEOUT_S``).

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
from services.kernel.http_client import NoAnswer, Sender, as_sender, open_sender

# Generous next to the catalog's ~1 ms answers, short enough that a cut link turns
# into a 503 well before a shopper's own client gives up.
CATALOG_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 1.0
MAX_CONNECTIONS = 50
_HEADERS = {"accept": "application/json", "user-agent": "critter-shopping"}


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
    """``PriceSource`` backed by the catalog's HTTP API (``client``: a sender, or an
    ``httpx.AsyncClient`` whose base URL is the catalog's)."""

    def __init__(self, client: Sender | httpx.AsyncClient) -> None:
        self._sender = as_sender(client)

    @classmethod
    @asynccontextmanager
    async def open(cls, base_url: str) -> AsyncIterator[HttpCatalog]:
        """A catalog client for the lifespan of the app; closes its connections on exit."""
        async with open_sender(
            base_url,
            timeout_s=CATALOG_TIMEOUT_S,
            connect_timeout_s=CONNECT_TIMEOUT_S,
            max_connections=MAX_CONNECTIONS,
            headers=_HEADERS,
        ) as sender:
            yield cls(sender)

    async def price_of(self, sku: str) -> Decimal:
        try:
            response = await self._sender.send("GET", f"/api/products/{sku}")
        except NoAnswer as exc:
            reason = "no answer from the catalog in time" if exc.timed_out else exc.reason
            raise CatalogUnavailable(reason) from exc
        if response.status == 404:
            raise UnknownProduct(f"no product {sku} in the catalog")
        if response.status != 200:
            raise CatalogUnavailable(f"the catalog answered {response.status} for {sku}")
        try:
            product = _CatalogProduct.model_validate_json(response.body)
        except ValidationError:
            raise CatalogUnavailable(f"the catalog's answer for {sku} is not a product") from None
        if product.status != "Active":
            raise ProductNotForSale(f"product {sku} is {product.status} and cannot be sold")
        return product.price
