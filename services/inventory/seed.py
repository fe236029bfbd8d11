"""Seed stock: every catalog SKU in warehouses WH-01 and WH-02, 10,000 units each.

The SKUs are the 27 products of the original catalog (domain.md, Part B section 6).
10,000 per warehouse lets long load tests run without selling out; a test that needs a
shortage sets a level with ``PUT /api/inventory/{sku}/warehouses/{warehouseId}``.
``seed_stock`` runs after the migrations, fills an empty ``stock`` table and leaves a
non-empty one alone, under an advisory lock so replicas starting together seed once.
"""

from __future__ import annotations

import logging
from typing import Any

from services.inventory.domain import StockLevel

log = logging.getLogger(__name__)

_SEED_LOCK = "critter-sandbox:inventory-seed"

WAREHOUSES = ("WH-01", "WH-02")
UNITS_PER_WAREHOUSE = 10_000

CATALOG_SKUS = (
    "DOG-BOWL-001", "DOG-TOY-ROPE", "DOG-COLLAR-LED", "DOG-BED-ORTHO", "DOG-TREATS-CHK",
    "CAT-TREE-5FT", "CAT-LITTER-CLM", "CAT-TOY-LASER", "CAT-FOUNTAIN-2L", "CAT-CARRIER-SM",
    "BIRD-CAGE-MED", "BIRD-SEED-MIX", "BIRD-TOY-SWING",
    "FISH-TANK-20G", "FISH-FOOD-FLAKE", "FISH-DECOR-CAVE",
    "HAMSTER-CAGE-LG", "RABBIT-HAY-5LB", "GUINEA-PIG-HIDEY",
    "REPTILE-TANK-40G", "REPTILE-LAMP-UVB", "REPTILE-SUBSTRATE",
    "PET-GROOMING-KIT", "PET-GATE-WIDE", "PET-CAMERA-WIFI", "PET-FIRST-AID", "XMAS-PET-SWEATER",
)  # fmt: skip


def seed_levels() -> tuple[StockLevel, ...]:
    """The seed stock, in (SKU, warehouse) order."""
    return tuple(
        StockLevel(sku, warehouse, UNITS_PER_WAREHOUSE, 0)
        for sku in sorted(CATALOG_SKUS)
        for warehouse in WAREHOUSES
    )


async def seed_stock(connection: Any) -> int:
    """Insert the seed stock if ``stock`` is empty; return how many levels were inserted."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _SEED_LOCK)
        if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM stock)"):
            return 0
        levels = seed_levels()
        await connection.executemany(
            "INSERT INTO stock (sku, warehouse_id, on_hand, reserved) VALUES ($1, $2, $3, $4)",
            [(level.sku, level.warehouse_id, level.on_hand, level.reserved) for level in levels],
        )
    log.info("seeded %d stock levels", len(levels))
    return len(levels)
