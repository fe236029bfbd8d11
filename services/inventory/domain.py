"""Inventory's domain: stock levels, the all-or-nothing reservation plan, order transitions.

Pure code: no I/O, no framework.

* Stock is kept per (SKU, warehouse): ``on_hand`` units on the shelf, of which
  ``reserved`` are promised to orders; ``available = on_hand - reserved`` is never negative.
* An order reserves **all** of its lines or none (``plan_reservation``). Lines of the same
  SKU are summed first. Each SKU is taken from the first warehouse (in id order) that can
  supply all of it; if none can, it is split over warehouses in id order, so the outcome
  depends only on the stock, never on timing.
* Each order has one status that only moves forward::

      (none) --OrderPlaced--> Reserved --commit--> Committed
         |                     |  \\--release--> Released
         |                     \\ (shortage: Failed --release--> Released)
         \\--release before OrderPlaced--> Released (a tombstone: a late OrderPlaced
                                           then reserves nothing, so no stock leaks)

  A Committed order is never released; a release or commit of an order in any other
  status is answered at most once (see ``commit_step`` and ``release_step``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from services.kernel.errors import BadRequest, NotFound

SKU_PATTERN = r"^[A-Z0-9-]+$"
SKU_MAX_LENGTH = 24
WAREHOUSE_PATTERN = r"^[A-Z0-9-]+$"
WAREHOUSE_MAX_LENGTH = 24
MAX_ON_HAND = 1_000_000_000  # fits PostgreSQL integer with room for reservations
MAX_LINE_QUANTITY = MAX_ON_HAND
_SKU = re.compile(SKU_PATTERN)

_RESERVATION_NAMESPACE = uuid5(NAMESPACE_URL, "urn:critter-supply:inventory:reservation")


class UnknownSku(NotFound):
    """No stock record exists for this SKU in any warehouse."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"no stock is recorded for SKU {sku}")
        self.sku = sku


class StockBelowReserved(BadRequest):
    """Setting on-hand below what is already reserved would promise units that do not exist."""

    def __init__(self, sku: str, warehouse_id: str, on_hand: int, reserved: int) -> None:
        super().__init__(
            f"{sku} at {warehouse_id}: on-hand {on_hand} is below the {reserved} units reserved"
        )


@dataclass(frozen=True)
class StockLevel:
    sku: str
    warehouse_id: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def with_on_hand(self, on_hand: int) -> StockLevel:
        """This level with ``on_hand`` set; raises StockBelowReserved if it would go negative."""
        if on_hand < self.reserved:
            raise StockBelowReserved(self.sku, self.warehouse_id, on_hand, self.reserved)
        return StockLevel(self.sku, self.warehouse_id, on_hand, self.reserved)


@dataclass(frozen=True)
class SkuStock:
    """Every warehouse's level of one SKU, plus totals."""

    sku: str
    levels: tuple[StockLevel, ...]

    @property
    def on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)

    @property
    def reserved(self) -> int:
        return sum(level.reserved for level in self.levels)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class RequestedLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Allocation:
    """Units of one SKU to reserve in one warehouse for an order."""

    reservation_id: UUID
    sku: str
    warehouse_id: str
    quantity: int


@dataclass(frozen=True)
class Shortage:
    """Why an order could not be reserved: the first SKU (in SKU order) that is short."""

    sku: str
    requested: int
    available: int
    reason: str


def reservation_id(order_id: UUID, sku: str, warehouse_id: str) -> UUID:
    """Deterministic id: replaying a run yields the same reservations."""
    return uuid5(_RESERVATION_NAMESPACE, f"{order_id}:{sku}:{warehouse_id}")


def group_lines(lines: Iterable[RequestedLine]) -> dict[str, int]:
    """Quantity per SKU, in SKU order."""
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    return dict(sorted(totals.items()))


def plan_reservation(
    order_id: UUID, lines: Sequence[RequestedLine], stock: Iterable[StockLevel]
) -> tuple[Allocation, ...] | Shortage:
    """The allocations reserving every line of the order, or the first shortage."""
    if not lines:
        return Shortage("", 0, 0, "the order has no lines")
    if bad := next((line for line in lines if not is_valid_sku(line.sku)), None):
        return Shortage(_printable(bad.sku), bad.quantity, 0, "malformed SKU")
    if bad := next((line for line in lines if not 0 < line.quantity <= MAX_LINE_QUANTITY), None):
        return Shortage(bad.sku, bad.quantity, 0, f"quantity must be 1 to {MAX_LINE_QUANTITY}")
    by_sku: dict[str, list[StockLevel]] = {}
    for level in sorted(stock, key=lambda level: (level.sku, level.warehouse_id)):
        by_sku.setdefault(level.sku, []).append(level)
    allocations: list[Allocation] = []
    for sku, wanted in group_lines(lines).items():
        levels = by_sku.get(sku, [])
        if not levels:
            return Shortage(sku, wanted, 0, "unknown SKU")
        total = sum(max(level.available, 0) for level in levels)
        if total < wanted:
            return Shortage(sku, wanted, total, "insufficient stock")
        allocations.extend(_allocate_sku(order_id, levels, wanted))
    return tuple(allocations)


def is_valid_sku(sku: str) -> bool:
    """Only such SKUs can have stock (and be sent to PostgreSQL as a query parameter)."""
    return len(sku) <= SKU_MAX_LENGTH and _SKU.match(sku) is not None


def _printable(text: str) -> str:
    """A malformed SKU, cut and cleaned so it can be stored and reported."""
    return "".join(char for char in text[:SKU_MAX_LENGTH] if char.isprintable())


def _allocate_sku(order_id: UUID, levels: list[StockLevel], wanted: int) -> list[Allocation]:
    whole = next((level for level in levels if level.available >= wanted), None)
    if whole is not None:
        return [_allocation(order_id, whole, wanted)]
    parts: list[Allocation] = []
    for level in levels:
        take = min(level.available, wanted)
        if take > 0:
            parts.append(_allocation(order_id, level, take))
            wanted -= take
    return parts


def _allocation(order_id: UUID, level: StockLevel, quantity: int) -> Allocation:
    return Allocation(
        reservation_id(order_id, level.sku, level.warehouse_id),
        level.sku,
        level.warehouse_id,
        quantity,
    )


class OrderStatus(StrEnum):
    RESERVED = "Reserved"
    FAILED = "Failed"
    COMMITTED = "Committed"
    RELEASED = "Released"


class ReservationStatus(StrEnum):
    RESERVED = "Reserved"
    COMMITTED = "Committed"
    RELEASED = "Released"


class Step(StrEnum):
    """What a commit or release request does to an order in a given status."""

    APPLY = "apply"  # move the reservations and stock, publish the answer
    ANSWER = "answer"  # nothing to move; record the new status and publish the answer
    TOMBSTONE = "tombstone"  # unknown order: record it as Released, publish the answer
    DONE = "done"  # already answered: do nothing
    REFUSED = "refused"  # not allowed in this status: do nothing (logged)


def commit_step(status: OrderStatus | None) -> Step:
    """Only a Reserved order commits; a second request for a Committed one does nothing."""
    if status is OrderStatus.RESERVED:
        return Step.APPLY
    if status is OrderStatus.COMMITTED:
        return Step.DONE
    return Step.REFUSED


def release_step(status: OrderStatus | None) -> Step:
    """Every order except a Committed one is answered exactly once, so the saga can finish
    its compensation even when nothing was reserved (shortage, or release before placing)."""
    if status is None:
        return Step.TOMBSTONE
    return {
        OrderStatus.RESERVED: Step.APPLY,
        OrderStatus.FAILED: Step.ANSWER,
        OrderStatus.RELEASED: Step.DONE,
        OrderStatus.COMMITTED: Step.REFUSED,
    }[status]


@dataclass(frozen=True)
class Reservation:
    reservation_id: UUID
    order_id: UUID
    sku: str
    warehouse_id: str
    quantity: int
    status: ReservationStatus
    reserved_at: datetime
    committed_at: datetime | None = None
    released_at: datetime | None = None


@dataclass(frozen=True)
class OrderReservations:
    """What inventory recorded for one order (``status`` None: nothing yet)."""

    order_id: UUID
    status: OrderStatus | None
    reservations: tuple[Reservation, ...] = ()
    shortage: Shortage | None = None
    release_reason: str | None = None
