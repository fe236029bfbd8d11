"""Isolation: every stream carried only its owner's events, hostile subscriptions were
refused, and every customer saw the final event of each of its orders."""

from __future__ import annotations

from collections import Counter

from chaos.checks.evidence import bounded
from chaos.workload import WorkloadRecord
from reports.model import Check


def check_streams(record: WorkloadRecord, final_status: dict[str, str]) -> list[Check]:
    """``final_status``: order id -> the terminal status Orders recorded for it."""
    leaks: list[str] = []
    missing: list[str] = []
    repeated: list[str] = []
    owner_of = {a.order_id: a.customer_id for a in record.attempts if a.order_id}
    events = 0
    for customer, listener in record.listeners.items():
        events += len(listener.events)
        for event in listener.events:
            owner = str(event.data.get("customerId", ""))
            if owner != customer:
                leaks.append(f"{customer} received event {event.id} of {owner or 'nobody'}")
        ids = Counter(event.id for event in listener.events)
        repeated += [f"{customer} received event {i} {n} times" for i, n in ids.items() if n > 1]
        for order_id, who in owner_of.items():
            if who != customer or order_id not in final_status:
                continue
            seen = listener.statuses_of(order_id)
            if final_status[order_id] not in seen:
                missing.append(f"{customer}: {final_status[order_id]} of {order_id} never seen")
            counts = Counter(seen)
            repeated += [
                f"{customer}: {status} of {order_id} seen {n} times"
                for status, n in counts.items()
                if n > 1
            ]
    checks = [
        Check(
            name="sse-no-leak",
            passed=not leaks and bool(record.listeners),
            summary=f"{len(leaks)} events reached another customer's stream "
            f"({len(record.listeners)} streams, {events} events)",
            figures={"leaked": len(leaks), "streams": len(record.listeners), "events": events},
            evidence=bounded(leaks),
        ),
        Check(
            name="sse-final-events",
            passed=not missing and not repeated,
            summary=f"{len(missing)} final events never seen, {len(repeated)} seen twice",
            figures={"missing": len(missing), "repeated": len(repeated)},
            evidence=bounded(missing + repeated),
        ),
    ]
    if record.probes:
        wrong = [
            f"{p.kind}: expected {p.expected}, got {p.got or p.detail}"
            for p in record.probes
            if not p.refused_rightly
        ]
        checks.append(
            Check(
                name="sse-hostile-refused",
                passed=not wrong,
                summary=f"{len(record.probes) - len(wrong)} of {len(record.probes)} hostile "
                "subscriptions refused with the right status",
                figures={"probes": len(record.probes), "accepted_wrongly": len(wrong)},
                evidence=bounded(wrong),
            )
        )
    return checks
