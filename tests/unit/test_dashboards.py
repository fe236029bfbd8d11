"""The Grafana dashboard and the alert rules name only metrics the services register (read
from the services' own metric classes) or RabbitMQ's per-queue family (checked live by
tests/system/test_monitoring.py)."""

from __future__ import annotations

import json

import pytest
import yaml
from prometheus_client import CollectorRegistry

from services.kernel.messaging.metrics import MessagingMetrics
from services.kernel.metrics import ServiceMetrics
from services.orders.metrics import OrdersMetrics
from services.storefront.metrics import StorefrontMetrics
from tests.promql_names import MONITORING, metric_names, names_in_rules_and_dashboards

RABBITMQ_PER_QUEUE = {"rabbitmq_detailed_queue_messages", "rabbitmq_detailed_queue_consumers"}
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exported_by_services() -> set[str]:
    registries = [ServiceMetrics().registry, MessagingMetrics().registry]
    for extra in (OrdersMetrics(), StorefrontMetrics()):
        registry = CollectorRegistry()
        extra.register(registry)
        registries.append(registry)
    names = set()
    for registry in registries:
        for family in registry.collect():
            names |= {family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",))}
    return names


def test_every_metric_named_is_exported() -> None:
    unknown = names_in_rules_and_dashboards() - exported_by_services() - RABBITMQ_PER_QUEUE
    assert not unknown, f"named in monitoring/ but exported by nothing: {sorted(unknown)}"


def test_a_misspelt_metric_would_be_caught() -> None:
    assert metric_names('sum by (queue) (rate(messaging_publishd_total{type="x"}[1m])) > 0') == {
        "messaging_publishd_total"
    }
    assert "messaging_publishd_total" not in exported_by_services()


def test_the_dashboard_covers_what_the_issue_asks_for() -> None:
    dashboard = json.loads(
        (MONITORING / "grafana" / "dashboards" / "critter-overview.json").read_text()
    )
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    named = {n for p in panels for t in p["targets"] for n in metric_names(t["expr"])}
    for needed in ("rabbitmq_detailed_queue_messages", "messaging_published_total",
                   "orders_saga_duration_seconds_bucket", "storefront_sse_streams",
                   "http_request_duration_seconds_bucket"):  # fmt: skip
        assert needed in named, needed
    assert all(t["datasource"]["uid"] == "critter-prometheus" for p in panels for t in p["targets"])


@pytest.mark.parametrize("name", ["datasources/prometheus.yml", "dashboards/critter.yml"])
def test_the_grafana_provisioning_files_are_valid(name: str) -> None:
    document = yaml.safe_load((MONITORING / "grafana" / "provisioning" / name).read_text())
    assert document["apiVersion"] == 1
