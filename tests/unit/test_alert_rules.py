"""The alert rules (monitoring/alerts.yml) checked and unit-tested by Prometheus's own
promtool: each rule fires after its window on the series that should trigger it, and stays
quiet on healthy ones (monitoring/tests/alerts_test.yml)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is missing; scripts/setup.sh installs Debian's prometheus")
        pytest.skip("promtool is missing (Debian package prometheus; scripts/setup.sh installs it)")
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=120, check=False,
        cwd=MONITORING / "tests",
    )  # fmt: skip


def test_the_rules_are_valid() -> None:
    checked = run("check", "rules", str(MONITORING / "alerts.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 7 rules found" in checked.stdout


def test_every_rule_fires_when_it_should_and_only_then() -> None:
    tested = run("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_has_a_unit_test() -> None:
    rules = (MONITORING / "alerts.yml").read_text()
    tests = (MONITORING / "tests" / "alerts_test.yml").read_text()
    alerts = [line.split(":", 1)[1].strip() for line in rules.splitlines()
              if line.strip().startswith("- alert:")]  # fmt: skip
    assert len(alerts) == 7
    for alert in alerts:
        assert f"alertname: {alert}" in tests, f"{alert} has no promtool test"
