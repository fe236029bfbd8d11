"""Prometheus series of the order saga, registered on the service's own registry.

* ``orders_saga_timeouts_total``: orders cancelled because their saga deadline passed;
* ``orders_cancelled_total{reason}``: cancellations by reason (out of stock, payment
  declined, timeout);
* ``orders_saga_duration_seconds``: from placement to Confirmed;
* ``orders_sagas{state}``: orders by status (every status, 0 when none), and
  ``orders_sagas_stuck``: orders whose saga has not moved for ``ORDER_SAGA_STUCK_SECONDS``
  (default: the saga timeout) while it waits for an answer; both read
  from the database before each scrape (``services.orders.saga_census``), keeping their
  last values while it is unreachable (``orders_sagas`` is absent until the first read).

The collectors are created unregistered when the app is built and registered on the
kernel's registry when its lifespan starts (``register``), so ``/metrics`` shows them.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.orders.order import Order, OrderStatus
from services.orders.saga import Transition

_DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)


class OrdersMetrics:
    def __init__(self) -> None:
        self.saga_timeouts = Counter(
            "orders_saga_timeouts_total",
            "Orders cancelled because they were not confirmed before the saga deadline.",
            registry=None,
        )
        self.cancelled = Counter(
            "orders_cancelled_total", "Orders cancelled, by reason.", ["reason"], registry=None
        )
        self.saga_duration = Histogram(
            "orders_saga_duration_seconds",
            "Time from an order's placement to its confirmation.",
            buckets=_DURATION_BUCKETS,
            registry=None,
        )
        self.sagas = Gauge(
            "orders_sagas", "Orders by saga status (at the last scrape).", ["state"], registry=None
        )
        self.sagas_stuck = Gauge(
            "orders_sagas_stuck",
            "Orders waiting for an answer whose saga has not moved for the stuck threshold.",
            registry=None,
        )

    def register(self, registry: CollectorRegistry) -> None:
        collectors = (
            self.saga_timeouts,
            self.cancelled,
            self.saga_duration,
            self.sagas,
            self.sagas_stuck,
        )
        for collector in collectors:
            registry.register(collector)

    def record_census(self, by_status: Mapping[OrderStatus, int], stuck: int) -> None:
        """Set ``orders_sagas`` for every status (0 when absent) and ``orders_sagas_stuck``."""
        for status in OrderStatus:
            self.sagas.labels(state=status.value).set(by_status.get(status, 0))
        self.sagas_stuck.set(stuck)

    def observe(self, before: Order, transition: Transition) -> None:
        """Count what one saga step did to an order."""
        after = transition.order
        if after.status is before.status:
            return
        if after.status is OrderStatus.CONFIRMED and after.confirmed_at is not None:
            self.saga_duration.observe((after.confirmed_at - after.placed_at).total_seconds())
        elif after.status is OrderStatus.CANCELLED:
            self.cancelled.labels(reason=after.cancel_reason or "unknown").inc()
