"""Prometheus series of the Storefront, registered on the service's own registry.

* ``storefront_sse_streams``: SSE streams open in this process;
* ``storefront_sse_events_sent_total``: events written to streams (a broadcast to two
  streams counts two);
* ``storefront_sse_listener_up``: 1 while the ``LISTEN storefront_events`` connection
  is open (its reconnects count in the kernel's
  ``service_reconnects_total{dependency="database"}``);
* ``storefront_notifications_stored_total{type}``: notifications stored by this
  process's message handlers;
* ``storefront_upstream_calls_total{upstream,outcome}``: calls to other services, by
  the status they answered (``no-answer`` when none came).

The collectors are created unregistered and registered on the kernel's registry when
the lifespan starts (``register``), as Orders does.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from services.storefront.domain import Notification


class StorefrontMetrics:
    def __init__(self) -> None:
        self._registries: list[CollectorRegistry] = []
        self.streams = Gauge("storefront_sse_streams", "SSE streams open.", registry=None)
        self.events_sent = Counter(
            "storefront_sse_events_sent_total", "Events written to SSE streams.", registry=None
        )
        self.listener_up = Gauge(
            "storefront_sse_listener_up",
            "1 while the LISTEN connection for notifications is open.",
            registry=None,
        )
        self.stored = Counter(
            "storefront_notifications_stored_total",
            "Notifications stored by the message handlers, by event type.",
            ["type"],
            registry=None,
        )
        self.upstream_calls = Counter(
            "storefront_upstream_calls_total",
            "Calls to other services, by upstream and the status answered.",
            ["upstream", "outcome"],
            registry=None,
        )

    def register(self, registry: CollectorRegistry) -> None:
        """Register on ``registry`` (once: a second lifespan of the same app is a no-op)."""
        if registry in self._registries:
            return
        collectors = (
            self.streams,
            self.events_sent,
            self.listener_up,
            self.stored,
            self.upstream_calls,
        )
        for collector in collectors:
            registry.register(collector)
        self._registries.append(registry)

    def notification_stored(self, notification: Notification) -> None:
        self.stored.labels(type=notification.type.value).inc()

    def upstream_called(self, upstream: str, outcome: str) -> None:
        self.upstream_calls.labels(upstream=upstream, outcome=outcome).inc()
