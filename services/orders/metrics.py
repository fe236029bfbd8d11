"""Prometheus series of the order saga, registered on the service's own registry.

* ``orders_saga_timeouts_total``: orders cancelled because their saga deadline passed;
* ``orders_cancelled_total{reason}``: cancellations by reason (out of stock, payment
  declined, timeout);
* ``orders_saga_duration_seconds``: from placement to Confirmed.

The collectors are created unregistered when the app is built and registered on the
kernel's registry when its lifespan starts (``register``), so ``/metrics`` shows them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

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

    def register(self, registry: CollectorRegistry) -> None:
        for collector in (self.saga_timeouts, self.cancelled, self.saga_duration):
            registry.register(collector)

    def observe(self, before: Order, transition: Transition) -> None:
        """Count what one saga step did to an order."""
        after = transition.order
        if after.status is before.status:
            return
        if after.status is OrderStatus.CONFIRMED and after.confirmed_at is not None:
            self.saga_duration.observe((after.confirmed_at - after.placed_at).total_seconds())
        elif after.status is OrderStatus.CANCELLED:
            self.cancelled.labels(reason=after.cancel_reason or "unknown").inc()
