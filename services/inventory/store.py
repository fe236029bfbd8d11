"""PostgreSQL adapters of Inventory's ports (asyncpg).

Locking, so concurrent handlers never deadlock and never oversell: each ledger method
first locks the order's row (``FOR UPDATE``, or the primary key of a fresh insert), then
the stock rows it touches in (SKU, warehouse) order with one ``SELECT ... ORDER BY ...
FOR UPDATE``. PostgreSQL locks the rows of such a query in its output order, so every
transaction acquires stock locks in the same global order and no cycle can form.
Stock rows are then changed with one ``UPDATE ... FROM unnest(...)`` per step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.inventory.domain import (
    Allocation,
    OrderReservations,
    OrderStatus,
    RequestedLine,
    Reservation,
    ReservationStatus,
    Shortage,
    SkuStock,
    Step,
    StockLevel,
    UnknownSku,
    commit_step,
    is_valid_sku,
    plan_reservation,
    release_step,
)

_LOCK_STOCK = """
SELECT sku, warehouse_id, on_hand, reserved FROM stock
WHERE (sku, warehouse_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
ORDER BY sku, warehouse_id FOR UPDATE
"""
_ADD_RESERVED = """
UPDATE stock AS s SET reserved = s.reserved + d.quantity, updated_at = now()
FROM unnest($1::text[], $2::text[], $3::int[]) AS d(sku, warehouse_id, quantity)
WHERE s.sku = d.sku AND s.warehouse_id = d.warehouse_id
"""
_SHIP_RESERVED = """
UPDATE stock AS s SET on_hand = s.on_hand - d.quantity, reserved = s.reserved - d.quantity,
    updated_at = now()
FROM unnest($1::text[], $2::text[], $3::int[]) AS d(sku, warehouse_id, quantity)
WHERE s.sku = d.sku AND s.warehouse_id = d.warehouse_id
"""
_RELEASE_RESERVED = """
UPDATE stock AS s SET reserved = s.reserved - d.quantity, updated_at = now()
FROM unnest($1::text[], $2::text[], $3::int[]) AS d(sku, warehouse_id, quantity)
WHERE s.sku = d.sku AND s.warehouse_id = d.warehouse_id
"""
_MOVE_RESERVATIONS = """
UPDATE reservations SET status = $2, committed_at = $3, released_at = $4
WHERE order_id = $1 AND status = 'Reserved'
RETURNING sku, warehouse_id, quantity
"""
_RESERVATION_COLUMNS = (
    "reservation_id, order_id, sku, warehouse_id, quantity, status, reserved_at,"
    " committed_at, released_at"
)


class PostgresLedger:
    """``InventoryLedger`` on ``conn``, which must already be inside a transaction."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def reserve(
        self, order_id: UUID, lines: Sequence[RequestedLine], now: datetime
    ) -> tuple[Allocation, ...] | Shortage | None:
        claimed = await self._conn.fetchval(
            "INSERT INTO order_reservations (order_id, status, decided_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (order_id) DO NOTHING RETURNING true",
            order_id,
            OrderStatus.RESERVED.value,
            now,
        )
        if not claimed:
            return None
        skus = sorted({line.sku for line in lines if is_valid_sku(line.sku)})
        rows = await self._conn.fetch(
            "SELECT sku, warehouse_id, on_hand, reserved FROM stock WHERE sku = ANY($1::text[])"
            " ORDER BY sku, warehouse_id FOR UPDATE",
            skus,
        )
        plan = plan_reservation(order_id, lines, (_level(row) for row in rows))
        if isinstance(plan, Shortage):
            await self._conn.execute(
                "UPDATE order_reservations SET status = $2, failed_sku = $3,"
                " requested_quantity = $4, available_quantity = $5, failure_reason = $6"
                " WHERE order_id = $1",
                order_id,
                OrderStatus.FAILED.value,
                plan.sku,
                plan.requested,
                plan.available,
                plan.reason,
            )
            return plan
        columns = _columns(plan)
        await self._conn.execute(_ADD_RESERVED, *columns)
        await self._conn.execute(
            "INSERT INTO reservations (reservation_id, order_id, sku, warehouse_id, quantity,"
            " status, reserved_at)"
            " SELECT r.id, $2, r.sku, r.warehouse_id, r.quantity, 'Reserved', $3"
            " FROM unnest($1::uuid[], $4::text[], $5::text[], $6::int[])"
            " AS r(id, sku, warehouse_id, quantity)",
            [allocation.reservation_id for allocation in plan],
            order_id,
            now,
            *columns,
        )
        return plan

    async def commit(self, order_id: UUID, now: datetime) -> Step:
        step = commit_step(await self._lock_order(order_id))
        if step is Step.APPLY:
            moved = await self._conn.fetch(
                _MOVE_RESERVATIONS, order_id, ReservationStatus.COMMITTED.value, now, None
            )
            await self._change_stock(_SHIP_RESERVED, moved)
            await self._conn.execute(
                "UPDATE order_reservations SET status = $2, committed_at = $3 WHERE order_id = $1",
                order_id,
                OrderStatus.COMMITTED.value,
                now,
            )
        return step

    async def release(self, order_id: UUID, reason: str, now: datetime) -> Step:
        step = release_step(await self._lock_order(order_id))
        if step is Step.TOMBSTONE:
            inserted = await self._conn.fetchval(
                "INSERT INTO order_reservations (order_id, status, release_reason, decided_at,"
                " released_at) VALUES ($1, $2, $3, $4, $4)"
                " ON CONFLICT (order_id) DO NOTHING RETURNING true",
                order_id,
                OrderStatus.RELEASED.value,
                reason,
                now,
            )
            if inserted:
                return step
            # OrderPlaced committed between our read and insert: decide on its outcome.
            step = release_step(await self._lock_order(order_id))
        if step is Step.APPLY:
            moved = await self._conn.fetch(
                _MOVE_RESERVATIONS, order_id, ReservationStatus.RELEASED.value, None, now
            )
            await self._change_stock(_RELEASE_RESERVED, moved)
        if step in (Step.APPLY, Step.ANSWER):
            await self._conn.execute(
                "UPDATE order_reservations SET status = $2, release_reason = $3, released_at = $4"
                " WHERE order_id = $1",
                order_id,
                OrderStatus.RELEASED.value,
                reason,
                now,
            )
        return step

    async def _lock_order(self, order_id: UUID) -> OrderStatus | None:
        status = await self._conn.fetchval(
            "SELECT status FROM order_reservations WHERE order_id = $1 FOR UPDATE", order_id
        )
        return None if status is None else OrderStatus(status)

    async def _change_stock(self, statement: str, moved: Sequence[Mapping[str, Any]]) -> None:
        if not moved:
            return
        skus = [row["sku"] for row in moved]
        warehouses = [row["warehouse_id"] for row in moved]
        await self._conn.execute(_LOCK_STOCK, skus, warehouses)
        await self._conn.execute(statement, skus, warehouses, [row["quantity"] for row in moved])


class PostgresStockStore:
    """``StockStore`` on the service's pool."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def sku_stock(self, sku: str) -> SkuStock:
        rows = await self._pool.fetch(
            "SELECT sku, warehouse_id, on_hand, reserved FROM stock WHERE sku = $1"
            " ORDER BY warehouse_id",
            sku,
        )
        if not rows:
            raise UnknownSku(sku)
        return SkuStock(sku, tuple(_level(row) for row in rows))

    async def totals(self, skus: Sequence[str] | None) -> list[SkuStock]:
        rows = await self._pool.fetch(
            "SELECT sku, warehouse_id, on_hand, reserved FROM stock"
            " WHERE $1::text[] IS NULL OR sku = ANY($1::text[]) ORDER BY sku, warehouse_id",
            None if skus is None else list(skus),
        )
        found: dict[str, list[StockLevel]] = {}
        for row in rows:
            found.setdefault(row["sku"], []).append(_level(row))
        wanted = list(found) if skus is None else skus
        return [SkuStock(sku, tuple(found.get(sku, ()))) for sku in wanted]

    async def set_on_hand(self, sku: str, warehouse_id: str, on_hand: int) -> SkuStock:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "INSERT INTO stock (sku, warehouse_id, on_hand) VALUES ($1, $2, 0)"
                " ON CONFLICT (sku, warehouse_id) DO UPDATE SET sku = EXCLUDED.sku"
                " RETURNING sku, warehouse_id, on_hand, reserved",
                sku,
                warehouse_id,
            )
            changed = _level(row).with_on_hand(on_hand)
            await conn.execute(
                "UPDATE stock SET on_hand = $3, updated_at = now()"
                " WHERE sku = $1 AND warehouse_id = $2",
                sku,
                warehouse_id,
                changed.on_hand,
            )
        return await self.sku_stock(sku)

    async def order_reservations(self, order_id: UUID) -> OrderReservations:
        # One snapshot, so a checker never sees the order row and its lines disagree.
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            order = await conn.fetchrow(
                "SELECT * FROM order_reservations WHERE order_id = $1", order_id
            )
            rows = await conn.fetch(
                f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE order_id = $1"
                " ORDER BY sku, warehouse_id",
                order_id,
            )
        if order is None:
            return OrderReservations(order_id, None)
        shortage = None
        if order["failure_reason"] is not None:
            shortage = Shortage(
                order["failed_sku"],
                order["requested_quantity"],
                order["available_quantity"],
                order["failure_reason"],
            )
        return OrderReservations(
            order_id,
            OrderStatus(order["status"]),
            tuple(_reservation(row) for row in rows),
            shortage,
            order["release_reason"],
        )


def _level(row: Mapping[str, Any]) -> StockLevel:
    return StockLevel(row["sku"], row["warehouse_id"], row["on_hand"], row["reserved"])


def _reservation(row: Mapping[str, Any]) -> Reservation:
    return Reservation(
        row["reservation_id"],
        row["order_id"],
        row["sku"],
        row["warehouse_id"],
        row["quantity"],
        ReservationStatus(row["status"]),
        row["reserved_at"],
        row["committed_at"],
        row["released_at"],
    )


def _columns(plan: Sequence[Allocation]) -> tuple[list[str], list[str], list[int]]:
    return (
        [allocation.sku for allocation in plan],
        [allocation.warehouse_id for allocation in plan],
        [allocation.quantity for allocation in plan],
    )
