"""The bare-client ceiling: how many orders per second these cores could complete if an
order cost only its messages, transactions, HTTP requests and SSE events at the unit costs
that `sandbox bench infra` measured, and nothing else (no business logic, no load generator).

A load test's completed orders per second divided by this ceiling says how much of the
machine the system's own code and design spend beyond the bare plumbing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitCosts:
    """Milliseconds of CPU (all processes involved) per unit of work, and the cores they
    were measured on."""

    message_ms: float  # one persistent message published with confirm and consumed with ack
    transaction_ms: float  # one small transaction (INSERT + UPDATE)
    http_server_ms: float  # one HTTP request handled by FastAPI on uvicorn
    http_client_ms: float  # one outgoing HTTP call made with aiohttp
    sse_event_ms: float  # one small SSE event, sent and read
    cores: int


@dataclass(frozen=True)
class WorkPerOrder:
    """What one completed order costs in units of work (averages, so fractions are fine)."""

    messages: float
    transactions: float
    http_requests: float
    sse_events: float


def ms_per_order(costs: UnitCosts, work: WorkPerOrder) -> float:
    """CPU milliseconds of bare plumbing per order; each HTTP request is paid on both sides."""
    amounts = (work.messages, work.transactions, work.http_requests, work.sse_events)
    if any(amount < 0 for amount in amounts):
        raise ValueError(f"work per order cannot be negative: {work}")
    return (
        work.messages * costs.message_ms
        + work.transactions * costs.transaction_ms
        + work.http_requests * (costs.http_server_ms + costs.http_client_ms)
        + work.sse_events * costs.sse_event_ms
    )


def ceiling_orders_per_s(costs: UnitCosts, work: WorkPerOrder) -> float:
    """Orders per second that ``costs.cores`` cores could complete at the bare unit costs."""
    per_order = ms_per_order(costs, work)
    if per_order <= 0:
        raise ValueError("an order with no work (or free work) has no ceiling")
    if costs.cores < 1:
        raise ValueError(f"cores must be at least 1, got {costs.cores}")
    return costs.cores * 1000.0 / per_order


def ratio(completed_per_s: float, ceiling: float) -> float:
    """The share of the bare ceiling that the system actually completed (1.0 = the ceiling)."""
    if ceiling <= 0:
        raise ValueError(f"the ceiling must be positive, got {ceiling}")
    if completed_per_s < 0:
        raise ValueError(f"completed orders per second cannot be negative: {completed_per_s}")
    return completed_per_s / ceiling
