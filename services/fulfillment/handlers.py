"""Message handlers of Fulfillment: FulfillmentRequested opens the order's shipment.

Idempotent by itself, not only through the inbox: ``order_id`` is unique, so a
redelivered, republished or late request finds the shipment already open and
changes nothing (a shipment never moves backwards). With the autopilot on, the
new shipment is assigned in the same transaction and its dispatch scheduled.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID

from services.contracts.messages import FulfillmentRequested
from services.fulfillment import store
from services.fulfillment.autopilot import Autopilot
from services.fulfillment.domain import Shipment, ShipmentLine, ShippingAddress
from services.kernel.ids import uuid7
from services.kernel.messaging import Handler, HandlerContext, PermanentError, Subscription

log = logging.getLogger(__name__)


def subscriptions(autopilot: Autopilot) -> list[Subscription[FulfillmentRequested]]:
    """What Fulfillment consumes."""
    return [Subscription(FulfillmentRequested, fulfillment_requested_handler(autopilot))]


def fulfillment_requested_handler(autopilot: Autopilot) -> Handler[FulfillmentRequested]:
    async def handle(ctx: HandlerContext, message: FulfillmentRequested) -> None:
        now = datetime.now(UTC)
        shipment = autopilot.start(open_shipment(message, uuid7(), now), now)
        if not await store.insert_shipment(ctx.conn, shipment):
            log.info("order %s already has a shipment; request ignored", message.order_id)

    return handle


def open_shipment(message: FulfillmentRequested, shipment_id: UUID, now: datetime) -> Shipment:
    """The Pending shipment a request describes; PermanentError if it has nothing to ship."""
    lines = tuple(
        ShipmentLine(line.sku, line.quantity) for line in message.line_items if line.quantity > 0
    )
    if not lines:
        raise PermanentError(f"fulfillment of order {message.order_id} lists nothing to ship")
    address = message.shipping_address
    return Shipment(
        shipment_id=shipment_id,
        order_id=message.order_id,
        customer_id=message.customer_id,
        address=ShippingAddress(
            address_line1=address.address_line1,
            address_line2=address.address_line2,
            city=address.city,
            state_or_province=address.state_or_province,
            postal_code=address.postal_code,
            country=address.country,
        ),
        lines=lines,
        shipping_method=message.shipping_method,
        created_at=now,
    )
