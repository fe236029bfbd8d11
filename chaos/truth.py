"""Ground truth, read straight from the services' databases with the operator's account.

Reads go to PostgreSQL directly (never through a proxy a fault may be cutting) and are
scoped to the run: the run's customers, orders placed since the run began.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from chaos.target import Target

TERMINAL = ("Delivered", "Cancelled")


@dataclass
class OrderTruth:
    order_id: str
    customer_id: str
    status: str
    placed_at: datetime
    confirmed_at: datetime | None
    total: Decimal
    lines: list[tuple[str, int]]
    cancel_reason: str | None = None
    history: list[str] = field(default_factory=list)
    reservation: str | None = None  # Inventory's decision for the order
    reserved_lines: list[tuple[str, int, str]] = field(default_factory=list)  # sku, qty, status
    payments: list[tuple[str, Decimal | None]] = field(default_factory=list)  # status, captured
    shipments: list[str] = field(default_factory=list)
    notified: Counter[str] = field(default_factory=Counter)  # status -> notifications stored


def _rows(dsn: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as connection:
        return list(connection.execute(query, params).fetchall())


def orders_of(target: Target, customers: list[str], since: datetime) -> dict[str, OrderTruth]:
    dbs = target.databases
    found: dict[str, OrderTruth] = {}
    for row in _rows(
        dbs["orders"],
        "SELECT id::text, customer_id::text, status, placed_at, confirmed_at, total_amount,"
        " lines, cancel_reason FROM orders"
        " WHERE customer_id = ANY(%s::uuid[]) AND placed_at >= %s",
        customers,
        since,
    ):
        lines = [(str(line["sku"]), int(line["quantity"])) for line in row[6]]
        found[row[0]] = OrderTruth(row[0], row[1], row[2], row[3], row[4], row[5], lines, row[7])
    ids = list(found)
    if not ids:
        return found
    for order_id, status in _rows(
        dbs["orders"],
        "SELECT order_id::text, status FROM order_events WHERE order_id = ANY(%s::uuid[])"
        " ORDER BY order_id, seq",
        ids,
    ):
        found[order_id].history.append(status)
    for order_id, status in _rows(
        dbs["inventory"],
        "SELECT order_id::text, status FROM order_reservations WHERE order_id = ANY(%s::uuid[])",
        ids,
    ):
        found[order_id].reservation = status
    for order_id, sku, quantity, status in _rows(
        dbs["inventory"],
        "SELECT order_id::text, sku, quantity, status FROM reservations"
        " WHERE order_id = ANY(%s::uuid[])",
        ids,
    ):
        found[order_id].reserved_lines.append((sku, quantity, status))
    for order_id, status, captured in _rows(
        dbs["payments"],
        "SELECT order_id::text, status, captured_amount FROM payments"
        " WHERE order_id = ANY(%s::uuid[])",
        ids,
    ):
        found[order_id].payments.append((status, captured))
    for order_id, status in _rows(
        dbs["fulfillment"],
        "SELECT order_id::text, status FROM shipments WHERE order_id = ANY(%s::uuid[])",
        ids,
    ):
        found[order_id].shipments.append(status)
    for order_id, status in _rows(
        dbs["storefront"],
        "SELECT payload->>'orderId', payload->>'newStatus' FROM notifications"
        " WHERE type = 'order-status-changed' AND customer_id = ANY(%s::uuid[])"
        " AND payload->>'orderId' = ANY(%s)",
        customers,
        ids,
    ):
        found[order_id].notified[status] += 1
    return found


def stock(target: Target) -> dict[tuple[str, str], tuple[int, int]]:
    """(sku, warehouse) -> (on hand, reserved)."""
    return {
        (sku, warehouse): (on_hand, reserved)
        for sku, warehouse, on_hand, reserved in _rows(
            target.databases["inventory"], "SELECT sku, warehouse_id, on_hand, reserved FROM stock"
        )
    }


def stock_ledger(target: Target, since: datetime) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """(units committed per SKU since ``since``, units held per SKU and warehouse now)."""
    dsn = target.databases["inventory"]
    committed: Counter[str] = Counter()
    for sku, quantity in _rows(
        dsn,
        "SELECT sku, sum(quantity) FROM reservations"
        " WHERE status = 'Committed' AND committed_at >= %s GROUP BY sku",
        since,
    ):
        committed[sku] = int(quantity)
    held: Counter[tuple[str, str]] = Counter()
    for sku, warehouse, quantity in _rows(
        dsn,
        "SELECT sku, warehouse_id, sum(quantity) FROM reservations"
        " WHERE status = 'Reserved' GROUP BY sku, warehouse_id",
    ):
        held[(sku, warehouse)] = int(quantity)
    return committed, held


def outbox_depths(target: Target) -> dict[str, int]:
    """Messages waiting in each service's outbox (services without one are left out)."""
    depths = {}
    for service, dsn in sorted(target.databases.items()):
        with psycopg.connect(dsn, autocommit=True) as connection:
            exists = connection.execute("SELECT to_regclass('outbox') IS NOT NULL").fetchone()
            if exists and exists[0]:
                count = connection.execute("SELECT count(*) FROM outbox").fetchone()
                depths[service] = int(count[0]) if count else 0
    return depths


def order_states(
    target: Target, customers: list[str], since: datetime
) -> dict[str, tuple[str, str]]:
    """order id -> (customer id, status) for the run's orders: one cheap query, for polling."""
    return {
        order_id: (customer, status)
        for order_id, customer, status in _rows(
            target.databases["orders"],
            "SELECT id::text, customer_id::text, status FROM orders"
            " WHERE customer_id = ANY(%s::uuid[]) AND placed_at >= %s",
            customers,
            since,
        )
    }
