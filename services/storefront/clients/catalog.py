"""Product Catalog as the Storefront reads it (``storefront->catalog`` link).

* ``GET /api/products?page=&pageSize=&category=&status=`` -> ``{products, page, pageSize,
  totalCount}``: the shop's listing (``list_products``), each page reused for
  ``listing_ttl_s`` (a few seconds: every shopper opens the same first page, and
  Shopping prices each cart line from the catalog itself).
* The same listing, every page (at most ``MAX_DESCRIBED`` products), kept for
  ``names_ttl_s``: product names and images for cart and order views (``describe``).
  27 products fit in one page; a SKU the cache does not know triggers a reload (at
  most one per 2 s).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from services.storefront.clients.base import Upstream
from services.storefront.clients.cache import Clock, TtlCache

PATH = "/api/products"
MAX_PAGE_SIZE = 100
MAX_DESCRIBED = 10_000  # names kept for display; a bigger catalog is cut here
MAX_LISTINGS = 256  # distinct (page, size, category, status) listings cached
_MISSING_RELOAD_S = 2.0  # a SKU the catalog does not list costs at most one reload per 2 s


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Image(_Body):
    url: str
    alt_text: str = ""


class Product(_Body):
    sku: str
    name: str
    description: str = ""
    category: str = ""
    price: Decimal
    status: str = "Active"
    images: list[Image] = []

    @property
    def image_url(self) -> str | None:
        return self.images[0].url if self.images else None


class ProductPage(_Body):
    products: list[Product]
    page: int
    page_size: int
    total_count: int


_ListingKey = tuple[int, int, str | None, str | None]


class CatalogClient:
    def __init__(
        self,
        upstream: Upstream,
        *,
        names_ttl_s: float = 30.0,
        listing_ttl_s: float = 0.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._upstream = upstream
        self._ttl_s = names_ttl_s
        self._clock = clock
        self._listings: TtlCache[_ListingKey, ProductPage] = TtlCache(
            ttl_s=listing_ttl_s, max_entries=MAX_LISTINGS, clock=clock
        )
        self._known: dict[str, Product] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def list_products(
        self, *, page: int, page_size: int, category: str | None, status: str | None
    ) -> ProductPage:
        """One page of the listing, from the cache when it was read lately."""
        key = (page, page_size, category, status)
        cached = self._listings.get(key)
        if cached is not None:
            return cached
        listing = await self._read_page(
            page=page, page_size=page_size, category=category, status=status
        )
        self._listings.put(key, listing)
        return listing

    async def _read_page(
        self, *, page: int, page_size: int, category: str | None, status: str | None
    ) -> ProductPage:
        params: dict[str, str | int] = {"page": page, "pageSize": page_size}
        if category is not None:
            params["category"] = category
        if status is not None:
            params["status"] = status
        response = await self._upstream.call("GET", PATH, params=params)
        self._upstream.expect(response, 200)
        listing = self._upstream.read(ProductPage, response)
        if len(self._known) < MAX_DESCRIBED:
            self._known.update((product.sku, product) for product in listing.products)
        return listing

    async def describe(self, skus: Iterable[str]) -> dict[str, Product]:
        """The known products among ``skus`` (from the cache, reloaded when stale or
        missing one). With the catalog down, a stale cache still answers."""
        wanted = set(skus)
        if self._age() >= self._ttl_s:
            await self._reload(min_age_s=self._ttl_s)
        elif not wanted <= self._known.keys():
            await self._reload(min_age_s=_MISSING_RELOAD_S)
        return {sku: self._known[sku] for sku in wanted if sku in self._known}

    def _age(self) -> float:
        return self._clock() - self._loaded_at

    async def _reload(self, *, min_age_s: float) -> None:
        async with self._lock:
            if self._age() < min_age_s:
                return  # another request reloaded it meanwhile
            try:
                products = await self._every_product()
            except Exception:
                if not self._known:
                    raise
                return  # keep serving the stale names
            self._known = {product.sku: product for product in products}
            self._loaded_at = self._clock()

    async def _every_product(self) -> list[Product]:
        found: list[Product] = []
        page = 1
        while True:
            listing = await self._read_page(
                page=page, page_size=MAX_PAGE_SIZE, category=None, status=None
            )
            found.extend(listing.products)
            if len(found) >= min(listing.total_count, MAX_DESCRIBED) or not listing.products:
                return found[:MAX_DESCRIBED]
            page += 1
