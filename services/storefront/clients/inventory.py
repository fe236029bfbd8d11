"""Inventory as the Storefront reads it (``storefront->inventory`` link).

``GET /api/inventory?skus=A,B`` -> ``{items: [{sku, available, inStock, ...}]}``, one
call for a whole page of products (at most 100 SKUs). A SKU Inventory does not list
has no stock. A batch's answer may be reused for ``ttl_s`` (default 0: always asked;
at most 1 s, since a shopper should not be offered what just sold out).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from services.storefront.clients.base import Upstream
from services.storefront.clients.cache import Clock, TtlCache

PATH = "/api/inventory"
MAX_BATCH = 100
MAX_BATCHES_CACHED = 256


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Availability(_Body):
    sku: str
    available: int = 0
    in_stock: bool


class AvailabilityList(_Body):
    items: list[Availability]


class InventoryClient:
    def __init__(
        self, upstream: Upstream, *, ttl_s: float = 0.0, clock: Clock = time.monotonic
    ) -> None:
        self._upstream = upstream
        self._batches: TtlCache[tuple[str, ...], dict[str, bool]] = TtlCache(
            ttl_s=ttl_s, max_entries=MAX_BATCHES_CACHED, clock=clock
        )

    async def in_stock(self, skus: Sequence[str]) -> dict[str, bool]:
        """Whether each of ``skus`` can be bought now (False for an unknown SKU)."""
        found: dict[str, bool] = dict.fromkeys(skus, False)
        unique = list(found)
        for start in range(0, len(unique), MAX_BATCH):
            found.update(await self._batch(tuple(unique[start : start + MAX_BATCH])))
        return found

    async def _batch(self, batch: tuple[str, ...]) -> dict[str, bool]:
        cached = self._batches.get(batch)
        if cached is not None:
            return cached
        response = await self._upstream.call("GET", PATH, params={"skus": ",".join(batch)})
        self._upstream.expect(response, 200)
        stock = dict.fromkeys(batch, False)
        for item in self._upstream.read(AvailabilityList, response).items:
            if item.sku in stock:
                stock[item.sku] = item.in_stock
        self._batches.put(batch, stock)
        return stock
