"""Prometheus series of the messaging layer, on the service's own registry.

* ``messaging_published_total{type}``: messages the broker confirmed (relay or direct);
* ``messaging_consumed_total{type}``: deliveries whose handler committed;
* ``messaging_redelivered_total{type}``: deliveries that arrived with the broker's
  ``redelivered`` flag (handed back, or unacknowledged when a channel closed), counted
  on arrival, whatever the inbox then makes of them;
* ``messaging_duplicates_total{type}``: deliveries skipped because the inbox had the id;
* ``messaging_retried_total{type}``: deliveries handed back for redelivery after an error;
* ``messaging_paused_total{type}``: in-process retries after a transient database error
  (these hold the delivery instead of handing it back);
* ``messaging_dead_lettered_total{type,reason}``: ``reason`` is ``poison``, ``permanent``
  or ``attempts`` (the delivery limit was reached);
* ``messaging_outbox_depth``: rows waiting in the outbox, and
  ``messaging_outbox_oldest_age_seconds``: how long the oldest of them has waited (0 when
  empty); both refreshed by one query before each scrape.

``type`` is the contract's class name (a bounded set); unknown types count as ``<unknown>``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

UNKNOWN_TYPE = "<unknown>"


class MessagingMetrics:
    """The counters above, registered once per service process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.published = self._counter("published", "Messages confirmed by the broker.")
        self.consumed = self._counter("consumed", "Deliveries whose handler committed.")
        self.redelivered = self._counter(
            "redelivered", "Deliveries that arrived flagged as redelivered by the broker."
        )
        self.duplicates = self._counter("duplicates", "Deliveries skipped by the inbox.")
        self.retried = self._counter("retried", "Deliveries returned for redelivery.")
        self.paused = self._counter("paused", "Handler retries after transient database errors.")
        self.dead_lettered = Counter(
            "messaging_dead_lettered_total",
            "Deliveries moved to the service's dead-letter queue, by reason.",
            ["type", "reason"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "messaging_outbox_depth",
            "Outbox rows not yet confirmed by the broker (at the last scrape).",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "messaging_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet confirmed, 0 when empty (at the last scrape).",
            registry=self.registry,
        )

    def set_outbox_backlog(self, depth: int, oldest_age_s: float) -> None:
        self.outbox_depth.set(depth)
        self.outbox_oldest_age.set(oldest_age_s)

    def count(self, counter: Counter, type_name: str | None, amount: int = 1) -> None:
        counter.labels(type=type_name or UNKNOWN_TYPE).inc(amount)

    def dead_letter(self, type_name: str | None, reason: str) -> None:
        self.dead_lettered.labels(type=type_name or UNKNOWN_TYPE, reason=reason).inc()

    def value(self, name: str, **labels: str) -> float:
        """Current value of a series (0 when never touched); for tests and diagnostics."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def _counter(self, verb: str, documentation: str) -> Counter:
        return Counter(f"messaging_{verb}_total", documentation, ["type"], registry=self.registry)
