"""The Prometheus and Alertmanager files the sandbox renders, checked by the tools' own
validators (promtool check config, amtool check-config), and the rules' window override."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sandbox.errors import ConfigError
from sandbox.monitoring_config import (
    ScrapeTarget,
    alert_rules,
    alertmanager_config,
    prometheus_config,
)

EXAMPLE_RECEIVERS = Path(__file__).resolve().parents[2] / "monitoring"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing; scripts/setup.sh installs it")
        pytest.skip(f"{name} is missing (Debian packages prometheus, prometheus-alertmanager)")
    return found


def check(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def rendered(tmp_path: Path, windows: dict[str, str] | None = None) -> Path:
    (tmp_path / "alerts.yml").write_text(alert_rules(windows))
    config = tmp_path / "prometheus.yml"
    targets = [ScrapeTarget("orders", 1, 24026), ScrapeTarget("orders", 2, 24036)]
    config.write_text(
        prometheus_config(
            targets, rabbitmq_prometheus_port=24004, alertmanager_port=24008,
            rules_file=str(tmp_path / "alerts.yml"), scrape_interval_s=2, vhost="/critter",
        )
    )  # fmt: skip
    return config


def test_the_prometheus_config_and_its_rules_pass_promtool(tmp_path: Path) -> None:
    out = check(tool("promtool"), "check", "config", str(rendered(tmp_path, {"SagaStuck": "20s"})))
    assert "SUCCESS: 7 rules found" in out
    scrape = yaml.safe_load((tmp_path / "prometheus.yml").read_text())["scrape_configs"]
    assert [job["job_name"] for job in scrape] == ["services", "rabbitmq", "rabbitmq-queues"]
    replicas = [c["labels"] for c in scrape[0]["static_configs"]]
    assert replicas == [
        {"service": "orders", "replica": "1"},
        {"service": "orders", "replica": "2"},
    ]


def test_a_window_override_changes_only_that_alert(tmp_path: Path) -> None:
    rules = yaml.safe_load(alert_rules({"DeadLetterQueueNotEmpty": "10s"}))
    windows = {r["alert"]: r["for"] for g in rules["groups"] for r in g["rules"]}
    assert windows["DeadLetterQueueNotEmpty"] == "10s"
    assert windows["DeadLetterQueueDeep"] == "5m"
    assert windows["OutboxBacklogGrowing"] == "2m"


@pytest.mark.parametrize(
    ("windows", "message"),
    [({"DeadLetterQueueNotEmty": "10s"}, "no alert rule named DeadLetterQueueNotEmty"),
     ({"SagaStuck": "ten seconds"}, "use a duration like 30s or 2m")],
)  # fmt: skip
def test_a_bad_override_is_refused(windows: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        alert_rules(windows)


def test_the_alertmanager_config_and_the_receiver_examples_pass_amtool(tmp_path: Path) -> None:
    config = tmp_path / "alertmanager.yml"
    config.write_text(alertmanager_config("http://127.0.0.1:24009/alerts"))
    assert "SUCCESS" in check(tool("amtool"), "check-config", str(config))
    example = EXAMPLE_RECEIVERS / "alertmanager-receivers.example.yml"
    out = check(tool("amtool"), "check-config", str(example))
    assert "2 receivers" in out
