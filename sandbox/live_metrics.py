"""What `sandbox status --watch` shows: queue and dead-letter depths, outbox backlogs, stuck
sagas and SSE streams, read from the same metrics Prometheus scrapes.

The services' own ``/metrics`` and RabbitMQ's per-queue ``/metrics/detailed`` are read
directly (not through Prometheus), so the view works without ``--monitoring``. A part that
cannot be read shows as missing; the view never fails because the system is unwell, since
that is exactly when it is looked at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table

from sandbox.components import VHOST
from sandbox.monitoring_config import QUEUE_FAMILIES
from sandbox.runtime import Runtime

_TIMEOUT_S = 3.0
_QUEUE_SERIES = {
    "rabbitmq_detailed_queue_messages": "messages",
    "rabbitmq_detailed_queue_consumers": "consumers",
}
_SERVICE_SERIES = {
    "messaging_outbox_depth": "outbox",
    "messaging_outbox_oldest_age_seconds": "outbox_age_s",
    "orders_sagas_stuck": "stuck_sagas",
    "storefront_sse_streams": "sse_streams",
}


@dataclass
class LiveView:
    queues: dict[str, dict[str, float]] = field(default_factory=dict)  # queue -> figure
    services: dict[str, dict[str, float]] = field(default_factory=dict)  # component -> figure
    unreadable: list[str] = field(default_factory=list)


def samples(exposition: str, wanted: Iterable[str]) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample of the ``wanted`` families in a text exposition."""
    names = set(wanted)
    found = []
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name in names:
                found.append((sample.name, dict(sample.labels), float(sample.value)))
    return found


def read_queues(exposition: str, view: LiveView) -> None:
    for name, labels, value in samples(exposition, _QUEUE_SERIES):
        if labels.get("vhost") == VHOST:
            view.queues.setdefault(labels["queue"], {})[_QUEUE_SERIES[name]] = value


def read_service(component: str, exposition: str, view: LiveView) -> None:
    figures = view.services.setdefault(component, {})
    for name, _, value in samples(exposition, _SERVICE_SERIES):
        figures[_SERVICE_SERIES[name]] = value


def collect(runtime: Runtime) -> LiveView:
    view = LiveView()
    ports = runtime.settings.ports
    families = "&".join(f"family={family}" for family in QUEUE_FAMILIES)
    queues_url = f"http://127.0.0.1:{ports.rabbitmq_prometheus}/metrics/detailed?{families}"
    with httpx.Client(timeout=_TIMEOUT_S) as client:
        try:
            read_queues(client.get(queues_url).raise_for_status().text, view)
        except httpx.HTTPError as exc:
            view.unreadable.append(f"rabbitmq: {type(exc).__name__}")
        for component in runtime.services:
            url = f"http://127.0.0.1:{runtime.port(component)}/metrics"
            try:
                read_service(component, client.get(url).raise_for_status().text, view)
            except httpx.HTTPError as exc:
                view.unreadable.append(f"{component}: {type(exc).__name__}")
    return view


def live_tables(view: LiveView) -> list[Table]:
    queues = Table(title="queues", header_style="bold")
    for column in ("queue", "messages", "consumers"):
        queues.add_column(column, justify="left" if column == "queue" else "right")
    for queue in sorted(view.queues):
        figures = view.queues[queue]
        dead = queue.endswith(".dead-letter") and figures.get("messages", 0) > 0
        idle_inbox = queue.endswith(".inbox") and figures.get("consumers", 1) == 0
        style = "red" if dead or idle_inbox else None
        queues.add_row(queue, _count(figures.get("messages")), _count(figures.get("consumers")),
                       style=style)  # fmt: skip
    services = Table(title="services", header_style="bold")
    for column in ("service", "outbox", "oldest outbox row", "stuck sagas", "SSE streams"):
        services.add_column(column, justify="left" if column == "service" else "right")
    for component, figures in view.services.items():
        age = figures.get("outbox_age_s")
        services.add_row(
            component,
            _count(figures.get("outbox")),
            "-" if age is None else f"{age:.1f} s",
            _count(figures.get("stuck_sagas")),
            _count(figures.get("sse_streams")),
            style="red" if figures.get("stuck_sagas", 0) > 0 else None,
        )
    return [queues, services]


def _count(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"
