"""SQL of the Fulfillment service (asyncpg): shipments and the autopilot's schedule.

Every function takes the connection to run on, so the caller decides the
transaction. Writes that put a new step on the schedule also notify ``fulfillment_due``
with the step's due time; PostgreSQL delivers it at commit to the autopilot of
every replica, which wakes sooner if the step is due before its next round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from services.fulfillment.domain import (
    Shipment,
    ShipmentLine,
    ShipmentNotFound,
    ShipmentStatus,
    ShippingAddress,
)

DUE_CHANNEL = "fulfillment_due"

_COLUMNS = (
    "shipment_id, order_id, customer_id, address, lines, shipping_method, status,"
    " warehouse_id, carrier, tracking_number, recipient_name, created_at, assigned_at,"
    " dispatched_at, delivered_at, next_step_at"
)

# The notification's payload is the step's due time (epoch seconds, '' if none), so a
# sleeping autopilot can tell whether it must wake sooner without a query.
_DUE_PAYLOAD = "coalesce(extract(epoch FROM {})::text, '')"

# One round trip: the referenced CTE sends the notification (delivered only on commit).
_INSERT = f"""
WITH wake AS (SELECT pg_notify('{DUE_CHANNEL}', {_DUE_PAYLOAD.format("$16::timestamptz")}))
INSERT INTO shipments ({_COLUMNS})
SELECT $1::uuid, $2::uuid, $3::uuid, $4::jsonb, $5::jsonb, $6::text, $7::text, $8::text,
       $9::text, $10::text, $11::text, $12::timestamptz, $13::timestamptz, $14::timestamptz,
       $15::timestamptz, $16::timestamptz
FROM wake
ON CONFLICT (order_id) DO NOTHING
RETURNING shipment_id
"""

_UPDATE = """
UPDATE shipments SET status = $2, warehouse_id = $3, carrier = $4, tracking_number = $5,
    recipient_name = $6, assigned_at = $7, dispatched_at = $8, delivered_at = $9,
    next_step_at = $10
WHERE shipment_id = $1
"""

# SKIP LOCKED: replicas take disjoint batches, and a shipment a manual request holds
# is left for the next round instead of being waited for.
_CLAIM_DUE = f"""
SELECT {_COLUMNS} FROM shipments
WHERE next_step_at <= clock_timestamp()
ORDER BY next_step_at LIMIT $1
FOR UPDATE SKIP LOCKED
"""

_SECONDS_TO_NEXT_DUE = """
SELECT EXTRACT(EPOCH FROM min(next_step_at) - clock_timestamp())::float8
FROM shipments WHERE next_step_at IS NOT NULL
"""


async def insert_shipment(conn: Any, shipment: Shipment) -> bool:
    """Open ``shipment``; False (and nothing written) if its order already has one."""
    return await conn.fetchval(_INSERT, *_row(shipment)) is not None


async def load_shipment(conn: Any, shipment_id: UUID, *, lock: bool = False) -> Shipment:
    suffix = " FOR UPDATE" if lock else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM shipments WHERE shipment_id = $1{suffix}", shipment_id
    )
    if row is None:
        raise ShipmentNotFound(f"shipment {shipment_id} not found")
    return _shipment_from_row(row)


async def shipment_of_order(conn: Any, order_id: UUID) -> Shipment:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM shipments WHERE order_id = $1", order_id)
    if row is None:
        raise ShipmentNotFound(f"no shipment for order {order_id}")
    return _shipment_from_row(row)


async def save_shipment(conn: Any, shipment: Shipment, *, notify: bool = False) -> None:
    """Write the mutable columns; ``notify`` tells the autopilots (after commit) about
    a newly scheduled step."""
    await conn.execute(_UPDATE, *_changes(shipment))
    if notify and shipment.next_step_at is not None:
        await conn.execute(
            f"SELECT pg_notify($1, {_DUE_PAYLOAD.format('$2::timestamptz')})",
            DUE_CHANNEL,
            shipment.next_step_at,
        )


async def save_shipments(conn: Any, shipments: Sequence[Shipment]) -> None:
    """Write several shipments in one pipelined batch (the autopilot's round)."""
    await conn.executemany(_UPDATE, [_changes(shipment) for shipment in shipments])


async def claim_due(conn: Any, limit: int) -> list[Shipment]:
    """Lock up to ``limit`` shipments whose next step is due (call inside a transaction)."""
    return [_shipment_from_row(row) for row in await conn.fetch(_CLAIM_DUE, limit)]


async def seconds_to_next_due(conn: Any) -> float | None:
    """Seconds until the earliest scheduled step (negative if overdue); None if none."""
    seconds: float | None = await conn.fetchval(_SECONDS_TO_NEXT_DUE)
    return seconds


def _changes(shipment: Shipment) -> tuple[object, ...]:
    return (
        shipment.shipment_id,
        shipment.status.value,
        shipment.warehouse_id,
        shipment.carrier,
        shipment.tracking_number,
        shipment.recipient_name,
        shipment.assigned_at,
        shipment.dispatched_at,
        shipment.delivered_at,
        shipment.next_step_at,
    )


def _row(shipment: Shipment) -> tuple[object, ...]:
    address = shipment.address
    return (
        shipment.shipment_id,
        shipment.order_id,
        shipment.customer_id,
        {
            "addressLine1": address.address_line1,
            "addressLine2": address.address_line2,
            "city": address.city,
            "stateOrProvince": address.state_or_province,
            "postalCode": address.postal_code,
            "country": address.country,
        },
        [{"sku": line.sku, "quantity": line.quantity} for line in shipment.lines],
        shipment.shipping_method,
        shipment.status.value,
        shipment.warehouse_id,
        shipment.carrier,
        shipment.tracking_number,
        shipment.recipient_name,
        shipment.created_at,
        shipment.assigned_at,
        shipment.dispatched_at,
        shipment.delivered_at,
        shipment.next_step_at,
    )


def _shipment_from_row(row: Mapping[str, Any]) -> Shipment:
    address = row["address"]
    return Shipment(
        shipment_id=row["shipment_id"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        address=ShippingAddress(
            address_line1=address["addressLine1"],
            address_line2=address.get("addressLine2"),
            city=address["city"],
            state_or_province=address["stateOrProvince"],
            postal_code=address["postalCode"],
            country=address["country"],
        ),
        lines=tuple(ShipmentLine(line["sku"], line["quantity"]) for line in row["lines"]),
        shipping_method=row["shipping_method"],
        created_at=row["created_at"],
        status=ShipmentStatus(row["status"]),
        warehouse_id=row["warehouse_id"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        recipient_name=row["recipient_name"],
        assigned_at=row["assigned_at"],
        dispatched_at=row["dispatched_at"],
        delivered_at=row["delivered_at"],
        next_step_at=row["next_step_at"],
    )
