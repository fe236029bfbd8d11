"""What the virtual customers observed, and how it travels to the process that reports it.

Each generating process (the only one, or each Locust worker) keeps a ``Tally``: every
order's sample or error, stream events that belong to another customer, and gauges the
controller steers by (orders in flight, customers done). ``batch()`` hands over what is
new since the last batch plus the cumulative counters; a ``Collector`` (in the process
that writes the output) merges batches from every source. Everything is plain data, so a
batch crosses Locust's master/worker channel unchanged.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reports.sla import exact_percentile

MAX_STORED_CONNECTION_ERRORS = 200  # login and stream errors are counted; only these are kept
MAX_LEAK_EXAMPLES = 20
# every kind that costs an order; all of them are kept, so each failed order has its record
ORDER_ERROR_KINDS = ("http", "timeout", "unexpected-state", "no-stock")
_GAUGES = (
    "offered", "completed", "in_flight", "connected", "alive_users", "idle_users",
    "burst_takers", "gate_arrivals",
)  # fmt: skip


@dataclass
class Tally:
    offered: int = 0  # checkout requests sent
    completed: int = 0  # orders whose completion event arrived
    in_flight: int = 0  # checkouts sent whose outcome is not known yet
    connected: int = 0  # customers signed in with their stream open
    alive_users: int = 0  # virtual users started and not stopped
    idle_users: int = 0  # alive users with nothing more to do (all orders done, or gave up)
    burst_takers: int = 0  # users that take part in the burst
    gate_arrivals: int = 0  # burst takers past preparing (ready, or failed to be)
    leaked: int = 0
    events: int = 0  # event frames received on every stream
    error_counts: Counter[str] = field(default_factory=Counter)
    _samples: list[dict[str, Any]] = field(default_factory=list)
    _errors: list[dict[str, Any]] = field(default_factory=list)
    _leak_examples: list[dict[str, Any]] = field(default_factory=list)
    _checkouts: list[dict[str, Any]] = field(default_factory=list)
    _kept_connection_errors: int = 0

    def sample(
        self,
        order_id: str,
        customer_id: str,
        sent_at: float,
        latency_s: float,
        status: str,
        status_at: float | None,
    ) -> None:
        """``status_at``: when the system says the status changed (the event's occurredAt),
        which splits the latency into the system's work and the event's delivery."""
        self.completed += 1
        self._samples.append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "sent_at": sent_at,
                "latency_s": latency_s,
                "status": status,
                "status_at": status_at,
            }
        )

    def checkout(self, customer_id: str, order_id: str | None) -> None:
        """A checkout's answer: the order id, or None when it was refused or unanswered
        (the durability checks look every one of them up in the databases)."""
        self._checkouts.append({"customer_id": customer_id, "order_id": order_id})

    def error(self, kind: str, endpoint: str, detail: str, *, sent_at: float | None = None) -> None:
        """``sent_at``: for an order's error, when its checkout was sent (the charts place
        the order there, beside the orders that completed)."""
        self.error_counts[kind] += 1
        if kind not in ORDER_ERROR_KINDS:
            # sign-in and stream trouble repeats per customer and reconnect: keep enough to explain
            if self._kept_connection_errors >= MAX_STORED_CONNECTION_ERRORS:
                return
            self._kept_connection_errors += 1
        error = {"kind": kind, "endpoint": endpoint, "detail": detail[:300], "at": time.time()}
        self._errors.append(error if sent_at is None else error | {"sent_at": sent_at})

    def event(self) -> None:
        self.events += 1

    def leak(self, stream_customer: str, event: dict[str, Any]) -> None:
        self.leaked += 1
        if len(self._leak_examples) < MAX_LEAK_EXAMPLES:
            self._leak_examples.append({"stream_customer": stream_customer, "event": event})

    def batch(self, cpu_s: float, *, draining: bool) -> dict[str, Any]:
        """What is new since the last batch, and the cumulative counters. ``draining``
        tells the controller that the gauges were read after its drain signal arrived."""
        counters = {name: getattr(self, name) for name in _GAUGES}
        counters |= {
            "leaked": self.leaked,
            "events": self.events,
            "cpu_s": cpu_s,
            "draining": draining,
        }
        new = {
            "samples": self._samples,
            "errors": self._errors,
            "leak_examples": self._leak_examples,
            "checkouts": self._checkouts,
            "counters": counters | {"error_counts": dict(self.error_counts)},
        }
        self._samples, self._errors, self._leak_examples, self._checkouts = [], [], [], []
        return new


@dataclass
class Collector:
    samples: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    leak_examples: list[dict[str, Any]] = field(default_factory=list)
    checkouts: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> latest
    finals: set[str] = field(default_factory=set)  # sources that sent their last batch

    def merge(self, source: str, batch: dict[str, Any], *, final: bool = False) -> None:
        self.samples.extend(batch["samples"])
        self.errors.extend(batch["errors"])
        self.checkouts.extend(batch["checkouts"])
        room = MAX_LEAK_EXAMPLES - len(self.leak_examples)
        self.leak_examples.extend(batch["leak_examples"][: max(room, 0)])
        self.counters[source] = batch["counters"]
        if final:
            self.finals.add(source)

    def drained(self, sources: int) -> bool:
        """Every source has seen the drain signal and has no order in flight."""
        return len(self.counters) >= sources and all(
            c["draining"] and c["in_flight"] == 0 for c in self.counters.values()
        )

    def total(self, name: str) -> float:
        return float(sum(counters[name] for counters in self.counters.values()))

    def latency_percentiles(self) -> dict[str, float]:
        """Exact (nearest-rank) percentiles of every sample so far, in seconds."""
        latencies = [float(sample["latency_s"]) for sample in self.samples]
        if not latencies:
            return {}
        return {f"p{p}": exact_percentile(latencies, p) for p in (50, 90, 98, 99)} | {
            "max": max(latencies)
        }

    def error_counts(self) -> dict[str, int]:
        merged: Counter[str] = Counter()
        for counters in self.counters.values():
            merged.update(counters["error_counts"])
        return dict(merged)
