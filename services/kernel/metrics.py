"""Prometheus metrics of a service: HTTP middleware, dependency gauges, ``/metrics``.

Each app owns its ``CollectorRegistry`` (no process-global registry), so two
apps in one test process never collide. Exposed series:

* ``http_requests_total{method,route,status}`` (counter)
* ``http_request_duration_seconds{method,route,status}`` (histogram)
* ``service_dependency_up{dependency="database"|"broker"}`` (gauge, 1 or 0),
  refreshed by every readiness check and right before every scrape
* ``service_reconnects_total{dependency="database"|"broker"}`` (counter): links
  re-established after they were lost (never the first connect). ``broker`` counts
  the AMQP connection's recoveries; ``database`` counts the re-opened dedicated
  ``LISTEN`` connections (the outbox relay's, the Storefront's notification listener),
  since the asyncpg pool replaces broken connections silently
* the standard ``process_*``, ``python_gc_*`` and ``python_info`` series

``route`` is the route *template* (``/api/products/{sku}``), never the raw path,
so the number of series stays bounded; unmatched paths count as ``<unmatched>``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED_ROUTE = "<unmatched>"

Dependency = Literal["database", "broker"]
_DEPENDENCIES: tuple[Dependency, ...] = ("database", "broker")


class ServiceMetrics:
    """The metric families of one service process."""

    def __init__(self) -> None:
        # ``*_created`` series double the output and no dashboard here reads them. The
        # switch is process-wide and idempotent; every service process wants it off.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated upstream
        self.registry = CollectorRegistry()
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)
        self._requests = Counter(
            "http_requests_total",
            "HTTP requests handled, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._durations = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response body.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._dependency_up = Gauge(
            "service_dependency_up",
            "1 when the dependency passed its last readiness check, else 0.",
            ["dependency"],
            registry=self.registry,
        )
        self._reconnects = Counter(
            "service_reconnects_total",
            "Connections to a dependency re-established after they were lost.",
            ["dependency"],
            registry=self.registry,
        )
        for dependency in _DEPENDENCIES:
            self._dependency_up.labels(dependency=dependency).set(0)
            self._reconnects.labels(dependency=dependency)  # exported as 0 from the start

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = {"method": method, "route": route, "status": str(status)}
        self._requests.labels(**labels).inc()
        self._durations.labels(**labels).observe(seconds)

    def set_dependency_up(self, dependency: str, up: bool) -> None:
        self._dependency_up.labels(dependency=dependency).set(1 if up else 0)

    def reconnected(self, dependency: Dependency) -> None:
        """Count one link to ``dependency`` re-established after it was lost."""
        self._reconnects.labels(dependency=dependency).inc()

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Pure ASGI middleware timing every HTTP request (streaming bodies included)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app raises before responding

        async def send_and_capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, send_and_capture)
        finally:
            self._metrics.observe_request(
                scope["method"], _route_template(scope), status, time.perf_counter() - started
            )


def _route_template(scope: Scope) -> str:
    # The router stores the matched route in the (shared, mutable) scope. FastAPI does so
    # for its APIRoutes only; for plain routes (/docs, /openapi.json) it leaves just the
    # endpoint, whose route is then looked up among the router's routes.
    route = scope.get("route")
    if route is None and "endpoint" in scope:
        endpoint = scope["endpoint"]
        routes = getattr(scope.get("router"), "routes", ())
        route = next((r for r in routes if getattr(r, "endpoint", None) is endpoint), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def metrics_router(
    metrics: ServiceMetrics, before_scrape: Callable[[Request], Awaitable[object]]
) -> APIRouter:
    """``GET /metrics``; ``before_scrape`` refreshes gauges that need I/O to compute."""
    router = APIRouter(tags=["operations"])

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_PLAIN_0_0_4: {}}}},
        summary="Prometheus metrics",
    )
    async def scrape(request: Request) -> Response:
        # The classic 0.0.4 text format: every Prometheus version and exporter reads it.
        await before_scrape(request)
        return Response(content=metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    return router
