"""HTTP routes of Fulfillment: reading shipments and the manual warehouse steps.

``GET /api/shipments/{id}``, ``GET /api/shipments?orderId=`` (the order's one
shipment), ``POST /api/shipments/{id}/assign`` (Pending only), ``.../dispatch``
(Assigned only), ``.../confirm-delivery`` (Shipped only). Each step answers
the shipment after it; a step the shipment's state does not allow is 409,
an unknown shipment 404, invalid input 400.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request

from services.fulfillment.models import (
    AssignWarehouse,
    ConfirmDelivery,
    DispatchShipment,
    ShipmentView,
)
from services.fulfillment.shipment_service import ShipmentService
from services.kernel.problems import problem_doc

PREFIX = "/api/shipments"

router = APIRouter(prefix=PREFIX, tags=["shipments"], responses=problem_doc(400, 404, 503))


async def get_shipments(request: Request) -> ShipmentService:
    """The shipment service of this process, built in the app's lifespan."""
    service = getattr(request.app.state, "shipments", None)
    if not isinstance(service, ShipmentService):
        raise RuntimeError("the shipment service exists only while the app's lifespan runs")
    return service


ShipmentsDep = Annotated[ShipmentService, Depends(get_shipments)]


@router.get("", response_model_exclude_none=True)
async def shipment_of_order(
    shipments: ShipmentsDep, order_id: Annotated[UUID, Query(alias="orderId")]
) -> ShipmentView:
    """The order's shipment (there is at most one); 404 if none was opened yet."""
    return ShipmentView.from_domain(await shipments.of_order(order_id))


@router.get("/{shipment_id}", response_model_exclude_none=True)
async def get_shipment(shipment_id: UUID, shipments: ShipmentsDep) -> ShipmentView:
    return ShipmentView.from_domain(await shipments.get(shipment_id))


@router.post("/{shipment_id}/assign", response_model_exclude_none=True, responses=problem_doc(409))
async def assign(shipment_id: UUID, body: AssignWarehouse, shipments: ShipmentsDep) -> ShipmentView:
    return ShipmentView.from_domain(await shipments.assign(shipment_id, body.warehouse_id))


@router.post(
    "/{shipment_id}/dispatch", response_model_exclude_none=True, responses=problem_doc(409)
)
async def dispatch(
    shipment_id: UUID, body: DispatchShipment, shipments: ShipmentsDep
) -> ShipmentView:
    """Hand the shipment to a carrier; publishes ShipmentDispatched."""
    shipment = await shipments.dispatch(shipment_id, body.carrier, body.tracking_number)
    return ShipmentView.from_domain(shipment)


@router.post(
    "/{shipment_id}/confirm-delivery", response_model_exclude_none=True, responses=problem_doc(409)
)
async def confirm_delivery(
    shipment_id: UUID,
    shipments: ShipmentsDep,
    body: Annotated[ConfirmDelivery | None, Body()] = None,
) -> ShipmentView:
    """Record the delivery (the body is optional); publishes ShipmentDelivered."""
    recipient = body.recipient_name if body is not None else None
    return ShipmentView.from_domain(await shipments.confirm_delivery(shipment_id, recipient))
