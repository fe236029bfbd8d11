"""Durability, per order id: nothing acknowledged is lost, nothing is applied twice.

Every acknowledged order must reach its expected terminal state with exactly the effects
that state implies (one committed reservation, one capture of the order's total, one
delivered shipment; or, when cancelled, no capture and no shipment). Orders the client
never heard back about are looked up and classified, not ignored.
"""

from __future__ import annotations

from collections import Counter

from chaos.checks.evidence import bounded
from chaos.truth import TERMINAL, OrderTruth
from chaos.workload import Attempt, WorkloadRecord
from reports.model import Check, Figure


def effect_problems(order: OrderTruth, expected: str) -> tuple[list[str], list[str]]:
    """(why the order is lost or wrong, which of its effects happened twice)."""
    lost: list[str] = []
    doubled: list[str] = []
    captures = [amount for status, amount in order.payments if status == "Captured"]
    if len(order.payments) > 1:
        doubled.append(f"{len(order.payments)} payments")
    if len(order.shipments) > 1:
        doubled.append(f"{len(order.shipments)} shipments")
    doubled += [f"{n} '{s}' notifications" for s, n in sorted(order.notified.items()) if n > 1]
    history = Counter(order.history)
    doubled += [f"status {s} recorded {n} times" for s, n in sorted(history.items()) if n > 1]
    if order.status != expected:
        why = f" ({order.cancel_reason})" if order.cancel_reason else ""
        lost.append(f"ended {order.status}{why}, expected {expected}")
    if expected == "Delivered" and order.status == "Delivered":
        if order.reservation != "Committed":
            lost.append(f"reservation {order.reservation}, expected Committed")
        committed: Counter[str] = Counter()
        for sku, quantity, status in order.reserved_lines:
            if status == "Committed":
                committed[sku] += quantity
        if committed != Counter(dict(order.lines)):
            doubled.append(f"committed {dict(committed)} for lines {dict(order.lines)}")
        if captures != [order.total]:
            (doubled if len(captures) > 1 else lost).append(
                f"captured {captures}, expected [{order.total}]"
            )
        if order.shipments[:1] != ["Delivered"]:
            lost.append(f"shipments {order.shipments}")
    if order.status == "Cancelled":
        if captures:
            doubled.append(f"captured {captures} for a cancelled order")
        if order.shipments:
            doubled.append(f"shipped {order.shipments} for a cancelled order")
        if order.reservation == "Committed":
            doubled.append("stock committed for a cancelled order")
    return lost, doubled


def check_orders(record: WorkloadRecord, orders: dict[str, OrderTruth]) -> list[Check]:
    acknowledged: dict[str, Attempt] = {
        a.order_id: a for a in record.attempts if a.order_id is not None
    }
    lost: list[str] = []
    doubled: list[str] = []
    for order_id, attempt in acknowledged.items():
        truth = orders.get(order_id)
        if truth is None:
            lost.append(f"{order_id}: acknowledged but unknown to Orders")
            continue
        why_lost, why_doubled = effect_problems(truth, attempt.planned.expected_status)
        lost += [f"{order_id}: {why}" for why in why_lost]
        doubled += [f"{order_id}: {why}" for why in why_doubled]
    unacknowledged = [o for o in orders.values() if o.order_id not in acknowledged]
    completed = [o for o in unacknowledged if o.status in TERMINAL]
    stuck = [o for o in unacknowledged if o.status not in TERMINAL]
    lost += [f"{o.order_id}: unacknowledged and stuck in {o.status}" for o in stuck]
    for order in unacknowledged:
        doubled += [f"{order.order_id}: {why}" for why in effect_problems(order, order.status)[1]]
    unanswered = [a for a in record.attempts if a.outcome == "failed"]
    lost_count = len({line.split(":")[0] for line in lost})
    doubled_count = len({line.split(":")[0] for line in doubled})
    figures: dict[str, Figure] = {
        "acknowledged": len(acknowledged),
        "lost": lost_count,
        "duplicated": doubled_count,
        "unacknowledged": len(unanswered),
        "unacknowledged_completed": len(completed),
        "unacknowledged_stuck": len(stuck),
        "unacknowledged_never_created": max(0, len(unanswered) - len(unacknowledged)),
    }
    return [
        Check(
            name="orders-not-lost",
            passed=lost_count == 0 and len(acknowledged) > 0,
            summary=f"{lost_count} of {len(acknowledged)} acknowledged orders lost or wrong; "
            f"{len(unanswered)} checkouts unanswered: {len(completed)} completed, "
            f"{len(stuck)} stuck, {figures['unacknowledged_never_created']} never created",
            figures=figures,
            evidence=bounded(lost),
        ),
        Check(
            name="no-duplicate-effects",
            passed=doubled_count == 0,
            summary=f"{doubled_count} orders with an effect applied twice or wrongly",
            figures={"duplicated": doubled_count},
            evidence=bounded(doubled),
        ),
    ]


def check_stock(
    before: dict[tuple[str, str], tuple[int, int]],
    after: dict[tuple[str, str], tuple[int, int]],
    committed_since: Counter[str],
    held: Counter[tuple[str, str]],
) -> Check:
    """Stock is a ledger: per SKU, on hand fell by exactly the units committed since the run
    began (by any order: a deadline may settle an older one meanwhile), and per SKU and
    warehouse the reserved count equals the units of reservations still held."""
    skus = sorted({sku for sku, _ in before} | {sku for sku, _ in after})
    problems = []
    for sku in skus:
        on_hand_before = sum(v[0] for k, v in before.items() if k[0] == sku)
        on_hand_after = sum(v[0] for k, v in after.items() if k[0] == sku)
        shipped = on_hand_before - on_hand_after
        if shipped != committed_since[sku]:
            problems.append(
                f"{sku}: on hand fell by {shipped}, reservations committed {committed_since[sku]}"
            )
    for (sku, warehouse), (_, reserved) in sorted(after.items()):
        if reserved != held[(sku, warehouse)]:
            problems.append(
                f"{sku}@{warehouse}: reserved {reserved}, reservations held "
                f"{held[(sku, warehouse)]}"
            )
    units = sum(committed_since.values())
    return Check(
        name="stock-conserved",
        passed=not problems,
        summary=f"{len(skus)} SKUs, {units} units committed; {len(problems)} discrepancies",
        figures={"skus": len(skus), "units_committed": units},
        evidence=bounded(problems),
    )
