"""The warehouse simulator: what a shipment's next automatic step is, and when.

Pure and deterministic: every choice (warehouse, carrier, tracking number,
each delay) is derived from ``seed`` and the order id by a hash, so a run
repeats exactly with the same seed, whatever order the shipments are handled
in and whichever replica handles them.

* A new shipment is assigned at once (in the same transaction that opens it).
* It is dispatched ``dispatch_delay`` later and delivered ``delivery_delay``
  after that. Each delay is jittered to 50-150 % of its setting, so shipments
  opened together do not all move in the same instant.

The schedule is ``Shipment.next_step_at`` in the database, not a timer in
memory: a restarted process (or another replica) finds due shipments there.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from services.fulfillment.domain import Shipment, ShipmentStatus

WAREHOUSES = ("WH-01", "WH-02")
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")


@dataclass(frozen=True)
class Autopilot:
    """``enabled`` False leaves every step to the manual endpoints."""

    enabled: bool = True
    seed: int = 0
    dispatch_delay: timedelta = timedelta(milliseconds=200)
    delivery_delay: timedelta = timedelta(milliseconds=500)

    def __post_init__(self) -> None:
        if self.dispatch_delay < timedelta(0) or self.delivery_delay < timedelta(0):
            raise ValueError(f"delays must not be negative: {self!r}")

    def start(self, shipment: Shipment, now: datetime) -> Shipment:
        """A freshly opened shipment, assigned and scheduled (unchanged when disabled)."""
        if not self.enabled:
            return shipment
        return self.schedule(shipment.assign(self.warehouse_for(shipment.order_id), now), now)

    def advance(self, shipment: Shipment, now: datetime) -> Shipment:
        """The next step of a due shipment, rescheduled; terminal ones just lose their
        schedule."""
        order_id = shipment.order_id
        if shipment.status is ShipmentStatus.PENDING:
            moved = shipment.assign(self.warehouse_for(order_id), now)
        elif shipment.status is ShipmentStatus.ASSIGNED:
            moved = shipment.dispatch(
                self.carrier_for(order_id), self.tracking_number_for(order_id), now
            )
        elif shipment.status is ShipmentStatus.SHIPPED:
            moved = shipment.confirm_delivery(None, now)
        else:
            moved = shipment
        return self.schedule(moved, now)

    def schedule(self, shipment: Shipment, now: datetime) -> Shipment:
        """``shipment`` with ``next_step_at`` set for its current state (after any step,
        automatic or manual)."""
        due: datetime | None = None
        if self.enabled:
            if shipment.status is ShipmentStatus.PENDING:
                due = now
            elif shipment.status is ShipmentStatus.ASSIGNED:
                due = now + self._jittered(self.dispatch_delay, shipment.order_id, "dispatch")
            elif shipment.status is ShipmentStatus.SHIPPED:
                due = now + self._jittered(self.delivery_delay, shipment.order_id, "deliver")
        return dataclasses.replace(shipment, next_step_at=due)

    def warehouse_for(self, order_id: UUID) -> str:
        return WAREHOUSES[self._draw(order_id, "warehouse") % len(WAREHOUSES)]

    def carrier_for(self, order_id: UUID) -> str:
        return CARRIERS[self._draw(order_id, "carrier") % len(CARRIERS)]

    def tracking_number_for(self, order_id: UUID) -> str:
        return f"TRK{self._draw(order_id, 'tracking'):016X}"

    def _jittered(self, delay: timedelta, order_id: UUID, step: str) -> timedelta:
        fraction = self._draw(order_id, step) / 2**64  # uniform in [0, 1)
        return delay * (0.5 + fraction)

    def _draw(self, order_id: UUID, purpose: str) -> int:
        digest = hashlib.blake2b(
            f"{self.seed}:{order_id}:{purpose}".encode(), digest_size=8
        ).digest()
        return int.from_bytes(digest, "big")
