"""A load run's orders as the result's per-order points: one per order, failed ones too.

The points are what the reports chart over time and what ``sandbox gate --sla`` judges
again, so the load test judges its own SLA from exactly these (rounded) values: a re-judge
with the same SLA file reproduces the run's verdict.
"""

from __future__ import annotations

from typing import Any

from reports.model import OrderPoint
from sandbox.loadtest.tally import ORDER_ERROR_KINDS

_DIGITS = 6  # a microsecond: far below any latency worth judging


def order_points(output: dict[str, Any]) -> list[OrderPoint]:
    """Completed orders (from the samples) and failed ones (from the order errors), placed
    at the moment each checkout was sent, relative to the engine's start."""
    start = float(output["started_at"])
    points = [
        OrderPoint(
            at_s=round(float(sample["sent_at"]) - start, 3),
            latency_s=round(float(sample["latency_s"]), _DIGITS),
        )
        for sample in output["samples"]
    ]
    points += [
        OrderPoint(
            at_s=round(float(error.get("sent_at", error["at"])) - start, 3),
            latency_s=None,
            outcome=str(error["kind"]),
        )
        for error in output["errors"]
        if error["kind"] in ORDER_ERROR_KINDS
    ]
    return sorted(points, key=lambda point: point.at_s)


def completed_latencies(points: list[OrderPoint]) -> list[float]:
    return [point.latency_s for point in points if point.latency_s is not None]
