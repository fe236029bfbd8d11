"""HTTP bodies of Inventory (JSON in camelCase; unknown request fields are rejected)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from services.inventory.domain import (
    MAX_ON_HAND,
    OrderReservations,
    OrderStatus,
    Reservation,
    ReservationStatus,
    SkuStock,
    StockLevel,
)
from services.kernel.api_models import CamelModel


class StockChange(CamelModel):
    """Body of ``PUT /api/inventory/{sku}/warehouses/{warehouseId}``."""

    on_hand: int = Field(ge=0, le=MAX_ON_HAND, strict=True)


class WarehouseStock(CamelModel):
    warehouse_id: str
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def from_domain(cls, level: StockLevel) -> WarehouseStock:
        return cls(
            warehouse_id=level.warehouse_id,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
        )


class StockView(CamelModel):
    """Body of ``GET /api/inventory/{sku}``: totals plus one entry per warehouse."""

    sku: str
    on_hand: int
    reserved: int
    available: int
    warehouses: list[WarehouseStock]

    @classmethod
    def from_domain(cls, stock: SkuStock) -> StockView:
        return cls(
            sku=stock.sku,
            on_hand=stock.on_hand,
            reserved=stock.reserved,
            available=stock.available,
            warehouses=[WarehouseStock.from_domain(level) for level in stock.levels],
        )


class Availability(CamelModel):
    sku: str
    on_hand: int
    reserved: int
    available: int
    in_stock: bool

    @classmethod
    def from_domain(cls, stock: SkuStock) -> Availability:
        return cls(
            sku=stock.sku,
            on_hand=stock.on_hand,
            reserved=stock.reserved,
            available=stock.available,
            in_stock=stock.available > 0,
        )


class AvailabilityList(CamelModel):
    """Body of ``GET /api/inventory``; an unknown SKU is listed with zero stock."""

    items: list[Availability]


class ReservationView(CamelModel):
    reservation_id: UUID
    sku: str
    warehouse_id: str
    quantity: int
    status: ReservationStatus
    reserved_at: datetime
    committed_at: datetime | None = None
    released_at: datetime | None = None

    @classmethod
    def from_domain(cls, line: Reservation) -> ReservationView:
        return cls(
            reservation_id=line.reservation_id,
            sku=line.sku,
            warehouse_id=line.warehouse_id,
            quantity=line.quantity,
            status=line.status,
            reserved_at=line.reserved_at,
            committed_at=line.committed_at,
            released_at=line.released_at,
        )


class FailureView(CamelModel):
    sku: str
    requested_quantity: int
    available_quantity: int
    reason: str


class OrderReservationsView(CamelModel):
    """Body of ``GET /api/reservations?orderId=``; ``status`` is absent for an unseen order."""

    order_id: UUID
    status: OrderStatus | None = None
    failure: FailureView | None = None
    release_reason: str | None = None
    reservations: list[ReservationView]

    @classmethod
    def from_domain(cls, order: OrderReservations) -> OrderReservationsView:
        shortage = order.shortage
        return cls(
            order_id=order.order_id,
            status=order.status,
            failure=None
            if shortage is None
            else FailureView(
                sku=shortage.sku,
                requested_quantity=shortage.requested,
                available_quantity=shortage.available,
                reason=shortage.reason,
            ),
            release_reason=order.release_reason,
            reservations=[ReservationView.from_domain(line) for line in order.reservations],
        )
