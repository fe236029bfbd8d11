"""The Fulfillment domain: one shipment per order and its state machine.

Pure code: no I/O, no framework. A shipment moves forward only::

    Pending --assign--> Assigned --dispatch--> Shipped --confirm delivery--> Delivered

(``DeliveryFailed`` is a terminal state of the schema and of the contracts;
nothing enters it yet.) A step asked of a shipment in any other state is a
conflict (HTTP 409): a late or repeated request never moves a shipment
backwards. ``next_step_at`` is when the autopilot (``services.fulfillment.autopilot``)
takes the next step by itself; ``None`` means nothing is scheduled.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.kernel.errors import Conflict, NotFound


class ShipmentStatus(StrEnum):
    PENDING = "Pending"
    ASSIGNED = "Assigned"
    SHIPPED = "Shipped"
    DELIVERED = "Delivered"
    DELIVERY_FAILED = "DeliveryFailed"


TERMINAL = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.DELIVERY_FAILED})


class ShipmentNotFound(NotFound):
    """No shipment with this id (or none for this order)."""


class ShipmentStateConflict(Conflict):
    """The step is not allowed in the shipment's current state."""


@dataclass(frozen=True)
class ShippingAddress:
    address_line1: str
    city: str
    state_or_province: str
    postal_code: str
    country: str
    address_line2: str | None = None


@dataclass(frozen=True)
class ShipmentLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Shipment:
    shipment_id: UUID
    order_id: UUID
    customer_id: UUID
    address: ShippingAddress
    lines: tuple[ShipmentLine, ...]
    shipping_method: str
    created_at: datetime
    status: ShipmentStatus = ShipmentStatus.PENDING
    warehouse_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    recipient_name: str | None = None
    assigned_at: datetime | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    next_step_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def assign(self, warehouse_id: str, now: datetime) -> Shipment:
        """Pending -> Assigned: a warehouse will pick and pack it."""
        self._require(ShipmentStatus.PENDING, "assign")
        return dataclasses.replace(
            self, status=ShipmentStatus.ASSIGNED, warehouse_id=warehouse_id, assigned_at=now
        )

    def dispatch(self, carrier: str, tracking_number: str, now: datetime) -> Shipment:
        """Assigned -> Shipped: handed to a carrier."""
        self._require(ShipmentStatus.ASSIGNED, "dispatch")
        return dataclasses.replace(
            self,
            status=ShipmentStatus.SHIPPED,
            carrier=carrier,
            tracking_number=tracking_number,
            dispatched_at=now,
        )

    def confirm_delivery(self, recipient_name: str | None, now: datetime) -> Shipment:
        """Shipped -> Delivered (terminal)."""
        self._require(ShipmentStatus.SHIPPED, "confirm delivery of")
        return dataclasses.replace(
            self, status=ShipmentStatus.DELIVERED, recipient_name=recipient_name, delivered_at=now
        )

    def _require(self, expected: ShipmentStatus, action: str) -> None:
        if self.status is not expected:
            raise ShipmentStateConflict(
                f"cannot {action} shipment {self.shipment_id}: it is {self.status.value},"
                f" not {expected.value}"
            )
