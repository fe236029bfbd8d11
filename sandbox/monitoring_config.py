"""The configuration files of the sandbox's Prometheus and Alertmanager, rendered from data.

* ``prometheus.yml``: every service process (job ``services``, labels ``service`` and
  ``replica``, straight to its port: a scrape must not ride a link that chaos faults) and
  RabbitMQ's plugin twice, its aggregated ``/metrics`` (job ``rabbitmq``) and its per-queue
  ``/metrics/detailed`` (job ``rabbitmq-queues``, which the dead-letter and consumer alerts
  read); the alert rules; the local Alertmanager.
* ``alerts.yml``: the repository's rules (``monitoring/alerts.yml``), each ``for:`` window
  optionally replaced, so a test can see an alert fire without waiting five minutes.
* ``alertmanager.yml``: every alert to the sandbox's own webhook receiver, which appends
  them to a file; ``monitoring/alertmanager-receivers.example.yml`` shows Slack and
  PagerDuty receivers to add beside it.

Pure functions from data to YAML text, so each file is checked with promtool and amtool in
the tests without starting anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from sandbox.binaries import PROJECT_ROOT
from sandbox.errors import ConfigError

ALERT_RULES = PROJECT_ROOT / "monitoring" / "alerts.yml"
_DURATION = re.compile(r"[0-9]+(ms|s|m|h|d)")
# The per-queue families of RabbitMQ's /metrics/detailed that the alerts and views read.
QUEUE_FAMILIES = ("queue_coarse_metrics", "queue_consumer_count")


@dataclass(frozen=True)
class ScrapeTarget:
    service: str  # catalog, orders, ...
    replica: int
    port: int


def prometheus_config(
    services: Sequence[ScrapeTarget],
    *,
    rabbitmq_prometheus_port: int,
    alertmanager_port: int,
    rules_file: str,
    scrape_interval_s: float,
    vhost: str,
) -> str:
    interval = _seconds(scrape_interval_s)
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [rules_file],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]
        },
        "scrape_configs": [
            {
                "job_name": "services",
                "static_configs": [
                    {
                        "targets": [f"127.0.0.1:{target.port}"],
                        "labels": {"service": target.service, "replica": str(target.replica)},
                    }
                    for target in services
                ],
            },
            {
                "job_name": "rabbitmq",
                "static_configs": [{"targets": [f"127.0.0.1:{rabbitmq_prometheus_port}"]}],
            },
            {
                "job_name": "rabbitmq-queues",
                "metrics_path": "/metrics/detailed",
                "params": {"vhost": [vhost], "family": list(QUEUE_FAMILIES)},
                "static_configs": [{"targets": [f"127.0.0.1:{rabbitmq_prometheus_port}"]}],
            },
        ],
    }
    return _dump(config)


def alert_rules(windows: Mapping[str, str] | None = None, source: str | None = None) -> str:
    """The repository's rules with the ``for:`` window of each named alert replaced.

    ConfigError names an alert the rules do not have or a window Prometheus cannot read.
    """
    document = yaml.safe_load(source if source is not None else ALERT_RULES.read_text())
    wanted = dict(windows or {})
    for alert, window in wanted.items():
        if not _DURATION.fullmatch(window):
            raise ConfigError(f"alert window {alert}={window!r}: use a duration like 30s or 2m")
    for group in document["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") in wanted:
                rule["for"] = wanted.pop(rule["alert"])
    if wanted:
        raise ConfigError(f"no alert rule named {', '.join(sorted(wanted))}")
    return _dump(document)


def alertmanager_config(receiver_url: str, *, group_wait_s: float = 5.0) -> str:
    config = {
        "route": {
            "receiver": "sandbox-file",
            "group_by": ["alertname", "queue", "service"],
            "group_wait": _seconds(group_wait_s),
            "group_interval": "30s",
            "repeat_interval": "4h",
        },
        "receivers": [
            {
                "name": "sandbox-file",
                "webhook_configs": [{"url": receiver_url, "send_resolved": True}],
            }
        ],
    }
    return _dump(config)


def _seconds(value: float) -> str:
    if value <= 0:
        raise ConfigError(f"an interval must be positive, got {value:g} s")
    return f"{round(value * 1000)}ms"


def _dump(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), sort_keys=False, width=100)
