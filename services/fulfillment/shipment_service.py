"""The shipment use cases: manual steps, the autopilot's batch, and what each announces.

A step locks the shipment row, lets the domain decide, reschedules the
autopilot, writes the row and publishes what happened (ShipmentDispatched on
entering Shipped, ShipmentDelivered on entering Delivered) through the outbox
in the same transaction. Manual steps and the autopilot go through the same
path, so they cannot both take one step: whichever locks the row first moves
it, and the other finds it in the next state (409 for a manual request).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.contracts import messages as contract
from services.fulfillment import store
from services.fulfillment.autopilot import Autopilot
from services.fulfillment.domain import Shipment, ShipmentStatus
from services.kernel.db import Database

Publish = Callable[[Any, contract.Message], Awaitable[None]]
"""``messaging.publish``: write a message to the outbox on the given connection."""

Step = Callable[[Shipment, datetime], Shipment]


@dataclass(frozen=True)
class BatchOutcome:
    """What one autopilot round did, and how long until the next step is due."""

    advanced: int
    seconds_to_next_due: float | None


class ShipmentService:
    def __init__(self, database: Database, autopilot: Autopilot, publish: Publish) -> None:
        self._database = database
        self._autopilot = autopilot
        self._publish = publish

    async def get(self, shipment_id: UUID) -> Shipment:
        return await store.load_shipment(self._database.pool, shipment_id)

    async def of_order(self, order_id: UUID) -> Shipment:
        return await store.shipment_of_order(self._database.pool, order_id)

    async def assign(self, shipment_id: UUID, warehouse_id: str) -> Shipment:
        return await self._change(shipment_id, lambda s, now: s.assign(warehouse_id, now))

    async def dispatch(self, shipment_id: UUID, carrier: str, tracking_number: str) -> Shipment:
        return await self._change(
            shipment_id, lambda s, now: s.dispatch(carrier, tracking_number, now)
        )

    async def confirm_delivery(self, shipment_id: UUID, recipient_name: str | None) -> Shipment:
        return await self._change(
            shipment_id, lambda s, now: s.confirm_delivery(recipient_name, now)
        )

    async def advance_due(self, limit: int) -> BatchOutcome:
        """Take the next step of up to ``limit`` due shipments, in one transaction."""
        async with self._database.pool.acquire() as conn, conn.transaction():
            due = await store.claim_due(conn, limit)
            now = _now()
            moved = [self._autopilot.advance(shipment, now) for shipment in due]
            if moved:
                await store.save_shipments(conn, moved)
            for before, after in zip(due, moved, strict=True):
                await self._announce(conn, before, after)
            # Inside the transaction, so the rows just rescheduled count with their new times.
            return BatchOutcome(len(due), await store.seconds_to_next_due(conn))

    async def _change(self, shipment_id: UUID, step: Step) -> Shipment:
        async with self._database.pool.acquire() as conn, conn.transaction():
            current = await store.load_shipment(conn, shipment_id, lock=True)
            now = _now()
            changed = self._autopilot.schedule(step(current, now), now)
            await store.save_shipment(conn, changed, notify=True)
            await self._announce(conn, current, changed)
        return changed

    async def _announce(self, conn: Any, before: Shipment, after: Shipment) -> None:
        if before.status is after.status:
            return
        if after.status is ShipmentStatus.SHIPPED:
            assert after.carrier is not None
            assert after.tracking_number is not None
            assert after.dispatched_at is not None
            await self._publish(
                conn,
                contract.ShipmentDispatched(
                    order_id=after.order_id,
                    customer_id=after.customer_id,
                    shipment_id=after.shipment_id,
                    carrier=after.carrier,
                    tracking_number=after.tracking_number,
                    dispatched_at=after.dispatched_at,
                ),
            )
        elif after.status is ShipmentStatus.DELIVERED:
            assert after.delivered_at is not None
            await self._publish(
                conn,
                contract.ShipmentDelivered(
                    order_id=after.order_id,
                    customer_id=after.customer_id,
                    shipment_id=after.shipment_id,
                    delivered_at=after.delivered_at,
                    recipient_name=after.recipient_name,
                ),
            )


def _now() -> datetime:
    return datetime.now(UTC)
