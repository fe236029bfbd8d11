"""``InMemoryInventory``: both Inventory ports kept in dicts.

A first-class fake with the observable behaviour of the PostgreSQL adapters
(all-or-nothing reservations, guarded transitions, tombstones), for fast tests
of the handlers and the HTTP API. Each method runs without awaiting in between,
so on one event loop it is atomic, as a locked transaction is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
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
    plan_reservation,
    release_step,
)


class InMemoryInventory:
    def __init__(self, levels: Iterable[StockLevel] = ()) -> None:
        self._stock: dict[tuple[str, str], StockLevel] = {
            (level.sku, level.warehouse_id): level for level in levels
        }
        self.orders: dict[UUID, OrderReservations] = {}

    # -- InventoryLedger ---------------------------------------------------------------------

    async def reserve(
        self, order_id: UUID, lines: Sequence[RequestedLine], now: datetime
    ) -> tuple[Allocation, ...] | Shortage | None:
        if order_id in self.orders:
            return None
        plan = plan_reservation(order_id, lines, self._stock.values())
        if isinstance(plan, Shortage):
            self.orders[order_id] = OrderReservations(order_id, OrderStatus.FAILED, shortage=plan)
            return plan
        for allocation in plan:
            self._shift(allocation.sku, allocation.warehouse_id, 0, allocation.quantity)
        reservations = tuple(
            Reservation(
                allocation.reservation_id,
                order_id,
                allocation.sku,
                allocation.warehouse_id,
                allocation.quantity,
                ReservationStatus.RESERVED,
                now,
            )
            for allocation in plan
        )
        self.orders[order_id] = OrderReservations(order_id, OrderStatus.RESERVED, reservations)
        return plan

    async def commit(self, order_id: UUID, now: datetime) -> Step:
        order = self.orders.get(order_id)
        step = commit_step(order.status if order else None)
        if step is Step.APPLY and order is not None:
            for line in order.reservations:
                self._shift(line.sku, line.warehouse_id, -line.quantity, -line.quantity)
            self.orders[order_id] = dataclasses.replace(
                order,
                status=OrderStatus.COMMITTED,
                reservations=self._moved(order, ReservationStatus.COMMITTED, now),
            )
        return step

    async def release(self, order_id: UUID, reason: str, now: datetime) -> Step:
        order = self.orders.get(order_id)
        step = release_step(order.status if order else None)
        if step is Step.TOMBSTONE:
            self.orders[order_id] = OrderReservations(
                order_id, OrderStatus.RELEASED, release_reason=reason
            )
        elif step in (Step.APPLY, Step.ANSWER) and order is not None:
            for line in order.reservations:
                self._shift(line.sku, line.warehouse_id, 0, -line.quantity)
            self.orders[order_id] = dataclasses.replace(
                order,
                status=OrderStatus.RELEASED,
                release_reason=reason,
                reservations=self._moved(order, ReservationStatus.RELEASED, now),
            )
        return step

    # -- StockStore --------------------------------------------------------------------------

    async def sku_stock(self, sku: str) -> SkuStock:
        levels = self._levels(sku)
        if not levels:
            raise UnknownSku(sku)
        return SkuStock(sku, levels)

    async def totals(self, skus: Sequence[str] | None) -> list[SkuStock]:
        wanted = sorted({sku for sku, _ in self._stock}) if skus is None else skus
        return [SkuStock(sku, self._levels(sku)) for sku in wanted]

    async def set_on_hand(self, sku: str, warehouse_id: str, on_hand: int) -> SkuStock:
        current = self._stock.get((sku, warehouse_id), StockLevel(sku, warehouse_id, 0, 0))
        self._stock[sku, warehouse_id] = current.with_on_hand(on_hand)
        return await self.sku_stock(sku)

    async def order_reservations(self, order_id: UUID) -> OrderReservations:
        return self.orders.get(order_id, OrderReservations(order_id, None))

    # -- helpers -----------------------------------------------------------------------------

    def level(self, sku: str, warehouse_id: str) -> StockLevel:
        return self._stock[sku, warehouse_id]

    def _levels(self, sku: str) -> tuple[StockLevel, ...]:
        return tuple(level for (s, _), level in sorted(self._stock.items()) if s == sku)

    def _shift(self, sku: str, warehouse_id: str, on_hand: int, reserved: int) -> None:
        level = self._stock[sku, warehouse_id]
        changed = StockLevel(sku, warehouse_id, level.on_hand + on_hand, level.reserved + reserved)
        if changed.reserved < 0 or changed.available < 0:
            raise ValueError(f"stock CHECK constraint would fail: {changed}")
        self._stock[sku, warehouse_id] = changed

    @staticmethod
    def _moved(
        order: OrderReservations, status: ReservationStatus, now: datetime
    ) -> tuple[Reservation, ...]:
        committed = status is ReservationStatus.COMMITTED
        return tuple(
            dataclasses.replace(
                line,
                status=status,
                committed_at=now if committed else None,
                released_at=None if committed else now,
            )
            if line.status is ReservationStatus.RESERVED
            else line
            for line in order.reservations
        )
