"""HTTP routes of Inventory: thin adapters over the stock store.

``GET /api/inventory/{sku}`` (per-warehouse levels and totals; 404 for an unknown SKU),
``PUT /api/inventory/{sku}/warehouses/{warehouseId}`` {onHand} (set or create a level;
400 below the reserved units), ``GET /api/inventory?skus=A,B`` (availability of several
SKUs, or of all without ``skus``), ``GET /api/reservations?orderId=`` (what was reserved,
committed or released for an order; for checkers). Errors are problem+json.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query

from services.inventory.domain import (
    SKU_MAX_LENGTH,
    SKU_PATTERN,
    WAREHOUSE_MAX_LENGTH,
    WAREHOUSE_PATTERN,
)
from services.inventory.models import (
    Availability,
    AvailabilityList,
    OrderReservationsView,
    StockChange,
    StockView,
)
from services.inventory.ports import StockStore
from services.inventory.store import PostgresStockStore
from services.kernel.errors import BadRequest
from services.kernel.problems import problem_doc
from services.kernel.runtime import RuntimeDep

MAX_BATCH = 100

router = APIRouter(tags=["inventory"], responses=problem_doc(400, 503))


def get_store(runtime: RuntimeDep) -> StockStore:
    """The stock store of this process (tests override this dependency)."""
    return PostgresStockStore(runtime.database.pool)


StoreDep = Annotated[StockStore, Depends(get_store)]
Sku = Annotated[str, Path(pattern=SKU_PATTERN, max_length=SKU_MAX_LENGTH)]
WarehouseId = Annotated[
    str, Path(alias="warehouseId", pattern=WAREHOUSE_PATTERN, max_length=WAREHOUSE_MAX_LENGTH)
]
_SKU = re.compile(SKU_PATTERN)


@router.get("/api/inventory/{sku}", responses=problem_doc(404))
async def get_stock(sku: Sku, store: StoreDep) -> StockView:
    return StockView.from_domain(await store.sku_stock(sku))


@router.put("/api/inventory/{sku}/warehouses/{warehouseId}")
async def set_stock(
    sku: Sku, warehouse_id: WarehouseId, body: StockChange, store: StoreDep
) -> StockView:
    """Set the units on hand (creating the level if new); 400 if below the reserved units."""
    return StockView.from_domain(await store.set_on_hand(sku, warehouse_id, body.on_hand))


@router.get("/api/inventory")
async def list_availability(
    store: StoreDep,
    skus: Annotated[str | None, Query(max_length=MAX_BATCH * (SKU_MAX_LENGTH + 1))] = None,
) -> AvailabilityList:
    """Availability of the comma-separated ``skus`` (in that order), or of every SKU."""
    wanted = None if skus is None else _parse_skus(skus)
    return AvailabilityList(
        items=[Availability.from_domain(stock) for stock in await store.totals(wanted)]
    )


@router.get("/api/reservations", response_model_exclude_none=True)
async def get_reservations(
    store: StoreDep, order_id: Annotated[UUID, Query(alias="orderId")]
) -> OrderReservationsView:
    return OrderReservationsView.from_domain(await store.order_reservations(order_id))


def _parse_skus(raw: str) -> list[str]:
    skus = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not skus:
        raise BadRequest("skus must name at least one SKU")
    if len(skus) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} SKUs per request")
    bad = [sku for sku in skus if len(sku) > SKU_MAX_LENGTH or not _SKU.match(sku)]
    if bad:
        raise BadRequest(f"not a SKU: {', '.join(bad[:5])}")
    return skus
