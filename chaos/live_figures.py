"""The figures an operator watches, read live from the parts' own metrics endpoints: queue
and dead-letter depths, outbox backlogs, stuck sagas and SSE streams.

The services' ``/metrics`` and RabbitMQ's per-queue ``/metrics/detailed`` are read directly
(never through Toxiproxy, nor through Prometheus), so the figures exist without
``--monitoring`` and while a fault cuts a link. A part that cannot be read is named in
``unreadable``; reading never fails because the system is unwell, since that is exactly
when the figures matter. `sandbox status --watch` shows them; chaos and load runs keep
snapshots of them in their results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

READ_TIMEOUT_S = 3.0
QUEUE_SERIES = {
    "rabbitmq_detailed_queue_messages": "messages",
    "rabbitmq_detailed_queue_consumers": "consumers",
}
SERVICE_SERIES = {
    "messaging_outbox_depth": "outbox",
    "messaging_outbox_oldest_age_seconds": "outbox_age_s",
    "orders_sagas_stuck": "stuck_sagas",
    "storefront_sse_streams": "sse_streams",
}


@dataclass(frozen=True)
class MetricSources:
    """Where the figures are served: RabbitMQ's per-queue endpoint and each service process."""

    queues_url: str
    vhost: str  # only this virtual host's queues are the sandbox's
    services: tuple[tuple[str, str], ...]  # (component, its /metrics URL)


@dataclass
class LiveView:
    queues: dict[str, dict[str, float]] = field(default_factory=dict)  # queue -> figure
    services: dict[str, dict[str, float]] = field(default_factory=dict)  # component -> figure
    unreadable: list[str] = field(default_factory=list)

    def backlog(self) -> float:
        """Work waiting anywhere: queued messages (dead letters too), outbox rows, stuck
        sagas. What makes one snapshot more telling than another taken during a fault."""
        queued = sum(figures.get("messages", 0.0) for figures in self.queues.values())
        waiting = sum(
            figures.get("outbox", 0.0) + figures.get("stuck_sagas", 0.0)
            for figures in self.services.values()
        )
        return queued + waiting


def samples(exposition: str, wanted: Iterable[str]) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample of the ``wanted`` series in a text exposition."""
    names = set(wanted)
    # Only the wanted lines are parsed: a service's exposition is mostly histogram buckets,
    # and a run reads it every few seconds beside the load it measures.
    kept = "\n".join(
        line
        for line in exposition.splitlines()
        if line and not line.startswith("#") and _series_name(line) in names
    )
    found = []
    for family in text_string_to_metric_families(kept + "\n"):
        for sample in family.samples:
            if sample.name in names:
                found.append((sample.name, dict(sample.labels), float(sample.value)))
    return found


def _series_name(line: str) -> str:
    end = len(line)
    for mark in ("{", " "):
        found = line.find(mark)
        if found != -1:
            end = min(end, found)
    return line[:end]


def read_queues(exposition: str, view: LiveView, vhost: str) -> None:
    for name, labels, value in samples(exposition, QUEUE_SERIES):
        if labels.get("vhost") == vhost:
            view.queues.setdefault(labels["queue"], {})[QUEUE_SERIES[name]] = value


def read_service(component: str, exposition: str, view: LiveView) -> None:
    figures = view.services.setdefault(component, {})
    for name, _, value in samples(exposition, SERVICE_SERIES):
        figures[SERVICE_SERIES[name]] = value


def collect(
    sources: MetricSources, client: httpx.Client | None = None, timeout_s: float = READ_TIMEOUT_S
) -> LiveView:
    """Read every source once. Pass a ``client`` when reading repeatedly: creating one
    costs about 50 ms of CPU (its TLS context), more than the reading itself."""
    if client is None:
        with httpx.Client(timeout=timeout_s) as own:
            return collect(sources, own)
    view = LiveView()
    try:
        read_queues(client.get(sources.queues_url).raise_for_status().text, view, sources.vhost)
    except httpx.HTTPError as exc:
        view.unreadable.append(f"rabbitmq: {type(exc).__name__}")
    for component, url in sources.services:
        try:
            read_service(component, client.get(url).raise_for_status().text, view)
        except httpx.HTTPError as exc:
            view.unreadable.append(f"{component}: {type(exc).__name__}")
    return view
