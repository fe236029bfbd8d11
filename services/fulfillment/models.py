"""HTTP request and response bodies of Fulfillment (JSON in camelCase, nulls omitted)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import StringConstraints

from services.fulfillment.domain import Shipment, ShipmentStatus
from services.kernel.api_models import CamelModel

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
TrackingNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class AssignWarehouse(CamelModel):
    warehouse_id: Label


class DispatchShipment(CamelModel):
    carrier: Label
    tracking_number: TrackingNumber


class ConfirmDelivery(CamelModel):
    recipient_name: PersonName | None = None


class AddressView(CamelModel):
    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str


class ShipmentLineView(CamelModel):
    sku: str
    quantity: int


class ShipmentView(CamelModel):
    shipment_id: UUID
    order_id: UUID
    customer_id: UUID
    status: ShipmentStatus
    shipping_address: AddressView
    line_items: list[ShipmentLineView]
    shipping_method: str
    warehouse_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    recipient_name: str | None = None
    created_at: datetime
    assigned_at: datetime | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    next_step_at: datetime | None = None

    @classmethod
    def from_domain(cls, shipment: Shipment) -> ShipmentView:
        address = shipment.address
        return cls(
            shipment_id=shipment.shipment_id,
            order_id=shipment.order_id,
            customer_id=shipment.customer_id,
            status=shipment.status,
            shipping_address=AddressView(
                address_line1=address.address_line1,
                address_line2=address.address_line2,
                city=address.city,
                state_or_province=address.state_or_province,
                postal_code=address.postal_code,
                country=address.country,
            ),
            line_items=[
                ShipmentLineView(sku=line.sku, quantity=line.quantity) for line in shipment.lines
            ],
            shipping_method=shipment.shipping_method,
            warehouse_id=shipment.warehouse_id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            recipient_name=shipment.recipient_name,
            created_at=shipment.created_at,
            assigned_at=shipment.assigned_at,
            dispatched_at=shipment.dispatched_at,
            delivered_at=shipment.delivered_at,
            next_step_at=shipment.next_step_at,
        )
