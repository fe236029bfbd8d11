"""Judge a load test's result again, against another SLA file, from its own order points.

``sandbox gate --sla FILE`` lets a team hold the same run to a stricter (or looser) SLA
without running it again. Only a load test's SLA checks are replaced (latency, errors,
throughput, enough-orders); its invariants and a chaos run's checks stand as they were.
"""

from __future__ import annotations

from reports.model import Check, ResultError, RunResult
from reports.sla import Sla, evaluate

_REPLACED_VALIDITY = frozenset({"enough-orders"})


def with_sla(result: RunResult, sla: Sla, name: str) -> RunResult:
    """``result`` with its SLA checks judged by ``sla``; ResultError when it cannot be."""
    if result.kind != "loadtest":
        return result
    if not result.orders:
        raise ResultError(
            f"{name}: holds no per-order points (schema version {result.schema_version}), "
            "so it cannot be judged against another SLA; run it again with this version"
        )
    measured = result.figures.get("completion_status")
    if measured != sla.completion:
        raise ResultError(
            f"{name}: measured orders until {measured}, but {sla.source} judges them "
            f"until {sla.completion}"
        )
    latencies = [point.latency_s for point in result.orders if point.latency_s is not None]
    failed = len(result.orders) - len(latencies)
    rate = result.figures.get("completed_orders_per_s")
    completed_per_s = float(rate) if isinstance(rate, int | float) else None
    if sla.min_throughput is not None and completed_per_s is None:
        raise ResultError(f"{name}: has no completed_orders_per_s for {sla.source}'s throughput")
    judged = evaluate(sla, latencies, failed, completed_per_s)
    kept = [check for check in result.checks if not _replaced(check)]
    old_evidence = {check.name: check.evidence for check in result.checks}
    judged = [
        check.model_copy(update={"evidence": old_evidence.get(check.name, check.evidence)})
        if check.name == "error-rate" and not check.passed
        else check
        for check in judged
    ]
    return result.model_copy(update={"checks": [*judged, *kept]})


def _replaced(check: Check) -> bool:
    if check.name in _REPLACED_VALIDITY:
        return True
    return check.kind == "sla" and check.name != "recovery"
