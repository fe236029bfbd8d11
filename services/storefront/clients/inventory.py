"""Inventory as the Storefront reads it (``storefront->inventory`` link).

``GET /api/inventory?skus=A,B`` -> ``{items: [{sku, available, inStock, ...}]}``, one
call for a whole page of products (at most 100 SKUs). A SKU Inventory does not list
has no stock.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from services.storefront.clients.base import Upstream

PATH = "/api/inventory"
MAX_BATCH = 100


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Availability(_Body):
    sku: str
    available: int = 0
    in_stock: bool


class AvailabilityList(_Body):
    items: list[Availability]


class InventoryClient:
    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def in_stock(self, skus: Sequence[str]) -> dict[str, bool]:
        """Whether each of ``skus`` can be bought now (False for an unknown SKU)."""
        found: dict[str, bool] = dict.fromkeys(skus, False)
        unique = list(found)
        for start in range(0, len(unique), MAX_BATCH):
            batch = unique[start : start + MAX_BATCH]
            response = await self._upstream.call("GET", PATH, params={"skus": ",".join(batch)})
            self._upstream.expect(response, 200)
            for item in self._upstream.read(AvailabilityList, response).items:
                if item.sku in found:
                    found[item.sku] = item.in_stock
        return found
