"""``PostgresOrderStore``: orders and their history on one asyncpg connection.

Every method runs on the connection it was given, so the caller decides the
transaction: a route's unit of work, a handler's inbox transaction, or a sweep
of the saga deadline watch. Saving a saga step is one statement (state and
history together), so a step costs one round trip besides its row lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.contracts.messages import Address
from services.orders.checkout_store import address_json, lines_from_json, lines_json
from services.orders.order import AWAITING_STATUSES, HistoryEntry, Order, OrderStatus
from services.orders.ports import OrderPage, OrderRecord

_ORDER_STATE = (
    "status, payment_id, is_inventory_reserved, is_payment_authorized, is_commit_requested,"
    " is_inventory_committed, is_payment_captured, is_fulfillment_requested,"
    " is_release_requested, is_void_requested, is_inventory_released, is_payment_voided,"
    " cancel_reason, confirmed_at, shipped_at, delivered_at, cancelled_at, updated_at"
)
_ORDER_COLUMNS = (
    "id, checkout_id, customer_id, lines, shipping_address, shipping_method, shipping_cost,"
    " subtotal, total_amount, payment_token, placed_at, " + _ORDER_STATE
)
_STATE_START = 11  # index of ``status``, the first of _ORDER_STATE, in _ORDER_COLUMNS
_AWAITING = ", ".join(f"'{status.value}'" for status in AWAITING_STATUSES)


class PostgresOrderStore:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def add(self, order: Order, history: Sequence[HistoryEntry]) -> None:
        row = _order_row(order)
        values = ", ".join(f"${n}" for n in range(1, len(row) + 1))
        await self._conn.execute(
            f"WITH placed AS (INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ({values}))"
            f" {_append_events(len(row) + 1)}",
            *row,
            *_history_arrays(history),
        )

    async def lock(self, order_id: UUID) -> Order | None:
        row = await self._conn.fetchrow(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE", order_id
        )
        return None if row is None else _order_from_row(row)

    async def save(self, order: Order, history: Sequence[HistoryEntry]) -> None:
        # One statement (one round trip) for the new state and its history entries.
        state = _order_row(order)[_STATE_START:]
        values = ", ".join(f"${n}" for n in range(2, 2 + len(state)))
        await self._conn.execute(
            f"WITH saved AS (UPDATE orders SET ({_ORDER_STATE}) = ({values}) WHERE id = $1)"
            f" {_append_events(2 + len(state))}",
            order.id,
            *state,
            *_history_arrays(history),
        )

    async def record(self, order_id: UUID) -> OrderRecord | None:
        row = await self._conn.fetchrow(
            f"SELECT {_ORDER_COLUMNS}, (SELECT coalesce(jsonb_agg(jsonb_build_object("
            " 'status', e.status, 'reason', e.reason, 'occurredAt', e.occurred_at)"
            " ORDER BY e.seq), '[]') FROM order_events e WHERE e.order_id = o.id) AS history"
            " FROM orders o WHERE o.id = $1",
            order_id,
        )
        if row is None:
            return None
        history = tuple(
            HistoryEntry(
                status=OrderStatus(entry["status"]),
                occurred_at=datetime.fromisoformat(entry["occurredAt"]),
                reason=entry["reason"],
            )
            for entry in row["history"]
        )
        return OrderRecord(_order_from_row(row), history)

    async def for_customer(self, customer_id: UUID, *, page: int, page_size: int) -> OrderPage:
        rows = await self._conn.fetch(
            f"SELECT {_ORDER_COLUMNS}, count(*) OVER () AS total_count FROM orders"
            " WHERE customer_id = $1 ORDER BY placed_at DESC, id DESC LIMIT $2 OFFSET $3",
            customer_id,
            page_size,
            (page - 1) * page_size,
        )
        if rows:
            total = int(rows[0]["total_count"])
        else:  # an empty page: beyond the end, or no orders at all
            total = await self._conn.fetchval(
                "SELECT count(*) FROM orders WHERE customer_id = $1", customer_id
            )
        return OrderPage(tuple(_order_from_row(row) for row in rows), int(total))

    async def lock_overdue(self, older_than: timedelta, limit: int) -> list[Order]:
        rows = await self._conn.fetch(
            f"SELECT {_ORDER_COLUMNS} FROM orders"
            f" WHERE status IN ({_AWAITING}) AND NOT is_commit_requested"
            " AND placed_at <= now() - $1::interval"
            " ORDER BY placed_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            older_than,
            limit,
        )
        return [_order_from_row(row) for row in rows]


def _append_events(first: int) -> str:
    """Append history rows of the order ``$1``; parameters ``first`` .. ``first + 2`` are
    the arrays of ``_history_arrays`` (empty arrays append nothing)."""
    return (
        "INSERT INTO order_events (order_id, status, reason, occurred_at)"
        f" SELECT $1, status, reason, occurred_at FROM unnest(${first}::text[],"
        f" ${first + 1}::text[], ${first + 2}::timestamptz[]) AS h(status, reason, occurred_at)"
    )


def _history_arrays(history: Sequence[HistoryEntry]) -> tuple[list[object], ...]:
    return (
        [entry.status.value for entry in history],
        [entry.reason for entry in history],
        [entry.occurred_at for entry in history],
    )


def _order_row(order: Order) -> tuple[object, ...]:
    """Column values in ``_ORDER_COLUMNS`` order; the saga state starts at ``_STATE_START``."""
    return (
        order.id,
        order.checkout_id,
        order.customer_id,
        lines_json(order.lines),
        address_json(order.shipping_address),
        order.shipping_method,
        order.shipping_cost,
        order.subtotal,
        order.total_amount,
        order.payment_token,
        order.placed_at,
        order.status.value,
        order.payment_id,
        order.is_inventory_reserved,
        order.is_payment_authorized,
        order.is_commit_requested,
        order.is_inventory_committed,
        order.is_payment_captured,
        order.is_fulfillment_requested,
        order.is_release_requested,
        order.is_void_requested,
        order.is_inventory_released,
        order.is_payment_voided,
        order.cancel_reason,
        order.confirmed_at,
        order.shipped_at,
        order.delivered_at,
        order.cancelled_at,
        order.updated_at or order.placed_at,
    )


def _order_from_row(row: Mapping[str, Any]) -> Order:
    return Order(
        id=row["id"],
        checkout_id=row["checkout_id"],
        customer_id=row["customer_id"],
        lines=lines_from_json(row["lines"]),
        shipping_address=Address.model_validate(row["shipping_address"]),
        shipping_method=row["shipping_method"],
        shipping_cost=row["shipping_cost"],
        payment_token=row["payment_token"],
        placed_at=row["placed_at"],
        status=OrderStatus(row["status"]),
        payment_id=row["payment_id"],
        is_inventory_reserved=row["is_inventory_reserved"],
        is_payment_authorized=row["is_payment_authorized"],
        is_commit_requested=row["is_commit_requested"],
        is_inventory_committed=row["is_inventory_committed"],
        is_payment_captured=row["is_payment_captured"],
        is_fulfillment_requested=row["is_fulfillment_requested"],
        is_release_requested=row["is_release_requested"],
        is_void_requested=row["is_void_requested"],
        is_inventory_released=row["is_inventory_released"],
        is_payment_voided=row["is_payment_voided"],
        cancel_reason=row["cancel_reason"],
        confirmed_at=row["confirmed_at"],
        shipped_at=row["shipped_at"],
        delivered_at=row["delivered_at"],
        cancelled_at=row["cancelled_at"],
        updated_at=row["updated_at"],
    )
