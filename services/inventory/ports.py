"""The two ports of Inventory: the reservation ledger (messages) and the stock store (HTTP).

Real adapters: ``store.PostgresLedger`` (on one connection, inside the caller's
transaction) and ``store.PostgresStockStore`` (on the pool). Fake for both:
``memory_store.InMemoryInventory``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from services.inventory.domain import (
    Allocation,
    OrderReservations,
    RequestedLine,
    Shortage,
    SkuStock,
    Step,
)


class InventoryLedger(Protocol):
    """Order-level stock movements; every method is one step of the caller's transaction
    and locks what it changes (the order row first, then stock rows in SKU order)."""

    async def reserve(
        self, order_id: UUID, lines: Sequence[RequestedLine], now: datetime
    ) -> tuple[Allocation, ...] | Shortage | None:
        """Reserve all lines or none; None if the order was already decided (do nothing)."""
        ...

    async def commit(self, order_id: UUID, now: datetime) -> Step:
        """Apply ``domain.commit_step`` to the order and return the step taken."""
        ...

    async def release(self, order_id: UUID, reason: str, now: datetime) -> Step:
        """Apply ``domain.release_step`` to the order and return the step taken."""
        ...


class StockStore(Protocol):
    """Reading and setting stock levels, and reading an order's reservations."""

    async def sku_stock(self, sku: str) -> SkuStock:
        """Every warehouse of ``sku``; raises UnknownSku if it has no stock record."""
        ...

    async def totals(self, skus: Sequence[str] | None) -> list[SkuStock]:
        """The given SKUs in the given order (unknown ones with no levels), or all SKUs."""
        ...

    async def set_on_hand(self, sku: str, warehouse_id: str, on_hand: int) -> SkuStock:
        """Set (or create) one level; raises StockBelowReserved below the reserved units."""
        ...

    async def order_reservations(self, order_id: UUID) -> OrderReservations: ...
