"""The engine's output file: every observation of the run, as plain JSON for the CLI.

``samples`` and ``errors`` are complete (except repeated sign-in and stream errors, which
``error_counts`` still counts); ``requests`` is Locust's per-endpoint summary (its
percentiles are bucketed: the SLA is judged on ``samples``, which are exact).
``orders_offered == orders_completed + order errors`` (kinds http, timeout and
unexpected-state at the checkout endpoint) holds by construction. A sample's
``status_at`` is when the system says the order reached that status (the event's
``occurredAt``): ``sent_at + latency_s - status_at`` is the event's delivery delay.
"""

from __future__ import annotations

from typing import Any

from locust.stats import RequestStats

from sandbox.loadtest.tally import Collector

OUTPUT_VERSION = 1


def build_output(
    collector: Collector,
    stats: RequestStats,
    *,
    started_at: float,
    duration_s: float,
    users: int,
    generator_cpu_s: float,
    sources: int,
) -> dict[str, Any]:
    """``sources``: how many processes ran users (1, or the number of workers)."""
    completed = int(collector.total("completed"))
    return {
        "version": OUTPUT_VERSION,
        "samples": sorted(collector.samples, key=lambda s: s["sent_at"]),
        "errors": sorted(collector.errors, key=lambda e: e["at"]),
        "error_counts": collector.error_counts(),
        "requests": request_summary(stats),
        "orders_offered": int(collector.total("offered")),
        "orders_completed": completed,
        "users": users,
        "started_at": started_at,
        "duration_s": duration_s,
        "generator_cpu_s": generator_cpu_s,
        "generator_cpu_per_order_s": generator_cpu_s / completed if completed else None,
        "checkouts": collector.checkouts,
        "sse_events": int(collector.total("events")),
        "leaked_events": {
            "count": int(collector.total("leaked")),
            "examples": collector.leak_examples,
        },
        # False when a worker's last observations never arrived (it died, or was too late)
        "complete": len(collector.finals) >= sources,
    }


def request_summary(stats: RequestStats) -> dict[str, dict[str, float | int]]:
    """Per endpoint ("METHOD /path", or "ORDER checkout -> Confirmed"): counts and times."""
    summary: dict[str, dict[str, float | int]] = {}
    for entry in stats.entries.values():
        if entry.num_requests == 0 and entry.num_failures == 0:
            continue
        summary[f"{entry.method} {entry.name}"] = {
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p90_ms": entry.get_response_time_percentile(0.9),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": round(entry.max_response_time, 1),
        }
    return summary
