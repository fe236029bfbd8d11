"""SQL of the Storefront (asyncpg): notifications and the cart changes behind cart totals.

Writes run on the handler's connection, inside the inbox transaction, in this order:
``lock_customer`` (a transaction-scoped advisory lock on the customer), then
``record_cart_change`` / ``append_notification``. The lock serialises one customer's
handlers, so (a) a customer's notification ids increase in commit order, which is
what makes ``id > Last-Event-ID`` replay exact (see ``schema``), and (b) the cart
changes a handler reads include every change committed before it.

``append_notification`` also sends ``NOTIFY storefront_events`` (delivered at commit,
in commit order, to every replica listening); see ``sse.framing`` for the payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

from services.storefront.domain import (
    CartChange,
    CartChangeKind,
    EventType,
    Notice,
    Notification,
)
from services.storefront.sse.framing import (
    CHANNEL,
    MAX_EVENT_ID_DIGITS,
    NOTIFY_LIMIT,
    render_data,
)

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))"
# One round trip stores the notification and announces it (the NOTIFY is delivered at
# commit). The announcement needs the new id, so it is assembled here: the full form when
# it fits NOTIFY's limit whatever the id's length ($6), else customer and id only. With
# $7 the customer's lock is taken first, in the row source, so before the id is drawn.
_APPEND_NOTIFICATION = """
WITH stored AS (
    INSERT INTO notifications (customer_id, type, payload)
    SELECT $1::uuid, $2::text, $3::jsonb
    FROM (SELECT CASE WHEN $7::bool
                 THEN pg_advisory_xact_lock(hashtextextended($1::uuid::text, 0)) END) AS lock
    RETURNING id
)
SELECT id, pg_notify(
    $4::text,
    $1::uuid::text || ':' || id
        || CASE WHEN $6::bool THEN ':' || $2::text || ':' || $5::text ELSE '' END
)
FROM stored
"""
_INSERT_CART_CHANGE = (
    "INSERT INTO cart_changes (cart_id, kind, sku, quantity, unit_price, occurred_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)
_CART_CHANGES = (
    "SELECT kind, sku, quantity, unit_price, occurred_at FROM cart_changes"
    " WHERE cart_id = $1 ORDER BY seq"
)
_COLUMNS = "id, customer_id, type, payload"
# Only whole carts untouched for the retention period: a live cart keeps its history.
_PRUNE_IDLE_CARTS = """
DELETE FROM cart_changes WHERE cart_id IN (
    SELECT cart_id FROM cart_changes GROUP BY cart_id
    HAVING max(recorded_at) < now() - $1::interval
)
"""


async def lock_customer(conn: Any, customer_id: UUID) -> None:
    """Serialise this transaction with every other one writing for ``customer_id``."""
    await conn.execute(_LOCK, str(customer_id))


async def append_notification(conn: Any, notice: Notice, *, lock: bool = False) -> Notification:
    """Store ``notice`` and announce it, in one round trip. Call ``lock_customer`` first in
    the same transaction, or pass ``lock=True`` to take the lock in the same statement."""
    data = render_data(notice.type, notice.payload)
    longest = f"{notice.customer_id}:{'9' * MAX_EVENT_ID_DIGITS}:{notice.type.value}:{data}"
    row = await conn.fetchrow(
        _APPEND_NOTIFICATION,
        notice.customer_id,
        notice.type.value,
        notice.payload,
        CHANNEL,
        data,
        len(longest.encode()) <= NOTIFY_LIMIT,
        lock,
    )
    return Notification(row["id"], notice.customer_id, notice.type, notice.payload)


async def record_cart_change(conn: Any, cart_id: UUID, change: CartChange) -> list[CartChange]:
    """Keep ``change`` and return every change of the cart, oldest first."""
    await conn.execute(
        _INSERT_CART_CHANGE,
        cart_id,
        change.kind.value,
        change.sku,
        change.quantity,
        change.unit_price,
        change.occurred_at,
    )
    rows = await conn.fetch(_CART_CHANGES, cart_id)
    return [
        CartChange(
            kind=CartChangeKind(row["kind"]),
            occurred_at=row["occurred_at"],
            sku=row["sku"],
            quantity=row["quantity"],
            unit_price=row["unit_price"],
        )
        for row in rows
    ]


class NotificationReader:
    """Reads for the streams. ``customer_id=None`` reads every customer's rows: only the
    ``global-sse`` defect does that."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def latest_id(self, customer_id: UUID | None) -> int:
        """The newest event id (of the customer), 0 if there is none."""
        if customer_id is None:
            value = await self._pool.fetchval("SELECT max(id) FROM notifications")
        else:
            value = await self._pool.fetchval(
                "SELECT max(id) FROM notifications WHERE customer_id = $1", customer_id
            )
        return int(value or 0)

    async def since(
        self, customer_id: UUID | None, after_id: int, limit: int
    ) -> list[Notification]:
        """Up to ``limit`` events after ``after_id``, oldest first."""
        if customer_id is None:
            rows = await self._pool.fetch(
                f"SELECT {_COLUMNS} FROM notifications WHERE id > $1 ORDER BY id LIMIT $2",
                after_id,
                limit,
            )
        else:
            rows = await self._pool.fetch(
                f"SELECT {_COLUMNS} FROM notifications"
                " WHERE customer_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                customer_id,
                after_id,
                limit,
            )
        return [_notification(row) for row in rows]

    async def prune(self, older_than: timedelta) -> int:
        """Delete notifications, and carts idle, for longer than ``older_than``; rows deleted."""
        async with self._pool.acquire() as conn, conn.transaction():
            notifications = await conn.execute(
                "DELETE FROM notifications WHERE created_at < now() - $1::interval", older_than
            )
            changes = await conn.execute(_PRUNE_IDLE_CARTS, older_than)
        return _count(notifications) + _count(changes)


def _notification(row: Mapping[str, Any]) -> Notification:
    return Notification(
        id=row["id"],
        customer_id=row["customer_id"],
        type=EventType(row["type"]),
        payload=dict(row["payload"]),
    )


def _count(status: str) -> int:
    """Rows affected, from a command status such as ``DELETE 3``."""
    return int(status.rsplit(" ", 1)[-1])
