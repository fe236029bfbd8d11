"""What `sandbox status --watch` shows: queue and dead-letter depths, outbox backlogs, stuck
sagas and SSE streams, read from the same metrics Prometheus scrapes (see
``chaos.live_figures``, which chaos and load runs use for their snapshots too).
"""

from __future__ import annotations

from rich.table import Table

from chaos.live_figures import LiveView, MetricSources
from sandbox.components import VHOST
from sandbox.monitoring_config import QUEUE_FAMILIES
from sandbox.runtime import Runtime


def sources_of(runtime: Runtime) -> MetricSources:
    """The running sandbox's metrics endpoints: RabbitMQ's plugin and every service process."""
    families = "&".join(f"family={family}" for family in QUEUE_FAMILIES)
    port = runtime.settings.ports.rabbitmq_prometheus
    return MetricSources(
        queues_url=f"http://127.0.0.1:{port}/metrics/detailed?{families}",
        vhost=VHOST,
        services=tuple(
            (component, f"http://127.0.0.1:{runtime.port(component)}/metrics")
            for component in runtime.services
        ),
    )


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
