"""`--monitoring` in the sandbox's settings, port plan and component model."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.errors import ConfigError
from sandbox.runtime import Runtime
from sandbox.state import StatePaths, load_settings, save_settings, settings_for_up
from sandbox.topology import planned_ports


def test_monitoring_settings_survive_a_save(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path)
    wanted = settings_for_up(paths, 30400, (), 1, True, "7d", (("SagaStuck", "20s"),))
    save_settings(paths, wanted)
    assert load_settings(paths) == wanted


@pytest.mark.parametrize(
    ("monitoring", "retention", "windows", "message"),
    [(False, "7d", (), "need --monitoring"),
     (False, "1d", (("SagaStuck", "20s"),), "need --monitoring"),
     (True, "a week", (), "--retention wants a duration")],
)  # fmt: skip
def test_inconsistent_monitoring_flags_are_refused(
    tmp_path: Path,
    monitoring: bool,
    retention: str,
    windows: tuple[tuple[str, str], ...],
    message: str,
) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_for_up(StatePaths(tmp_path), 30400, (), 1, monitoring, retention, windows)


def test_monitoring_components_start_after_every_service(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path)
    settings = settings_for_up(paths, 30400, (), 2, True)
    runtime = Runtime.load(paths, settings)
    assert runtime.components[-3:] == ["alert-receiver", "alertmanager", "prometheus"]
    assert set(runtime.services) <= set(runtime.depends_on("alert-receiver"))
    assert "alertmanager" in runtime.depends_on("prometheus")
    assert runtime.port("prometheus") == 30407
    assert runtime.url("alert-receiver") == "http://127.0.0.1:30409/alerts"


def test_monitoring_ports_are_checked_only_when_monitoring(tmp_path: Path) -> None:
    settings = settings_for_up(StatePaths(tmp_path), 30400)
    assert "prometheus" not in planned_ports(settings.ports)
    with_monitoring = planned_ports(settings.ports, monitoring=True)
    assert {with_monitoring[n] for n in ("prometheus", "alertmanager", "alert-receiver")} == {
        30407, 30408, 30409,
    }  # fmt: skip
    assert len(set(with_monitoring.values())) == len(with_monitoring), "a port used twice"
