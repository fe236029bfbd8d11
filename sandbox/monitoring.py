"""`sandbox up --monitoring`: a real Prometheus and Alertmanager beside the shop.

Three more supervised components, started after the services:

* ``alert-receiver`` (base+9): the sandbox's webhook receiver; alerts land in
  ``STATE/monitoring/alerts.jsonl`` (``sandbox alerts`` prints them);
* ``alertmanager`` (base+8): Debian's ``prometheus-alertmanager``, clustering off, every
  alert routed to the receiver;
* ``prometheus`` (base+7): Debian's ``prometheus``, scraping every service process and
  RabbitMQ's plugin, evaluating ``monitoring/alerts.yml`` (with ``--alert-window``
  overrides), data kept for ``--retention``.

Their configuration is rendered by ``monitoring_config`` at every start from the settings,
so a changed replica count or window never leaves a stale file behind.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.alert_receiver import AlertFile
from sandbox.components import VHOST, Kind, Program
from sandbox.errors import MissingBinary, NotRunning
from sandbox.monitoring_config import (
    ScrapeTarget,
    alert_rules,
    alertmanager_config,
    prometheus_config,
)
from sandbox.ports import PortPlan
from sandbox.probes import Probe, http_probe
from sandbox.service_catalog import service_instances
from sandbox.state import DEFAULT_RETENTION, SandboxSettings, StatePaths

if TYPE_CHECKING:
    from sandbox.backends.process import ProcessBackend

PROMETHEUS, ALERTMANAGER, RECEIVER = "prometheus", "alertmanager", "alert-receiver"
COMPONENTS = (RECEIVER, ALERTMANAGER, PROMETHEUS)  # start order
DEPENDS_ON = {ALERTMANAGER: (RECEIVER,), PROMETHEUS: (ALERTMANAGER,)}
SCRAPE_INTERVAL_S = 2.0  # short: chaos runs last a minute, and their alerts must show
READY_DEADLINE_S = 30.0
_INSTALL = "apt-get install prometheus prometheus-alertmanager (scripts/setup.sh does)"


@dataclass(frozen=True)
class MonitoringRequest:
    """What `sandbox up` was asked about monitoring (None when the flag was not given)."""

    wanted: bool
    retention: str = DEFAULT_RETENTION
    alert_windows: tuple[tuple[str, str], ...] = ()

    def as_settings(self) -> tuple[bool, str, tuple[tuple[str, str], ...]]:
        return self.wanted, self.retention, self.alert_windows


@dataclass(frozen=True)
class MonitoringFiles:
    root: Path

    @property
    def folder(self) -> Path:
        return self.root / "monitoring"

    @property
    def prometheus_config(self) -> Path:
        return self.root / "run" / "prometheus.yml"

    @property
    def rules(self) -> Path:
        return self.root / "run" / "alerts.yml"

    @property
    def alertmanager_config(self) -> Path:
        return self.root / "run" / "alertmanager.yml"

    @property
    def alerts(self) -> Path:
        return self.folder / "alerts.jsonl"


def ports_of(ports: PortPlan) -> dict[str, int]:
    return {PROMETHEUS: ports.prometheus, ALERTMANAGER: ports.alertmanager,
            RECEIVER: ports.alert_receiver}  # fmt: skip


def url_of(name: str, ports: PortPlan) -> str:
    paths = {PROMETHEUS: "/alerts", ALERTMANAGER: "/#/alerts", RECEIVER: "/alerts"}
    return f"http://127.0.0.1:{ports_of(ports)[name]}{paths[name]}"


def probe_of(name: str, ports: PortPlan) -> Probe:
    path = "/health" if name == RECEIVER else "/-/ready"
    return http_probe(f"http://127.0.0.1:{ports_of(ports)[name]}{path}")


def write_files(paths: StatePaths, settings: SandboxSettings) -> None:
    files = MonitoringFiles(paths.root)
    ports = settings.ports
    for folder in (files.folder / "prometheus", files.folder / "alertmanager"):
        folder.mkdir(parents=True, exist_ok=True)
    files.rules.write_text(alert_rules(dict(settings.alert_windows)))
    targets = [
        ScrapeTarget(i.spec.name, i.replica, ports.service(i.index, i.replica))
        for i in service_instances(settings.replicas)
    ]
    files.prometheus_config.write_text(
        prometheus_config(
            targets,
            rabbitmq_prometheus_port=ports.rabbitmq_prometheus,
            alertmanager_port=ports.alertmanager,
            rules_file=str(files.rules),
            scrape_interval_s=SCRAPE_INTERVAL_S,
            vhost=VHOST,
        )
    )
    files.alertmanager_config.write_text(
        alertmanager_config(f"http://127.0.0.1:{ports.alert_receiver}/alerts")
    )


def programs(paths: StatePaths, settings: SandboxSettings) -> list[Program]:
    files, ports = MonitoringFiles(paths.root), settings.ports
    prometheus, alertmanager = _binary("prometheus"), _binary("prometheus-alertmanager")
    receiver = [sys.executable, "-m", "sandbox.alert_receiver",
                "--port", str(ports.alert_receiver), "--out", str(files.alerts)]  # fmt: skip
    alertmanager_command = [
        str(alertmanager),
        f"--config.file={files.alertmanager_config}",
        f"--storage.path={files.folder / 'alertmanager'}",
        f"--web.listen-address=127.0.0.1:{ports.alertmanager}",
        "--cluster.listen-address=",  # one instance: no gossip port to collide on
    ]
    prometheus_command = [
        str(prometheus),
        f"--config.file={files.prometheus_config}",
        f"--storage.tsdb.path={files.folder / 'prometheus'}",
        f"--storage.tsdb.retention.time={settings.retention}",
        f"--web.listen-address=127.0.0.1:{ports.prometheus}",
        "--web.enable-lifecycle",
    ]
    return [
        _program(RECEIVER, receiver, ports),
        _program(ALERTMANAGER, alertmanager_command, ports),
        _program(PROMETHEUS, prometheus_command, ports),
    ]


def _program(name: str, command: list[str], ports: PortPlan) -> Program:
    return Program(name=name, kind=Kind.INFRASTRUCTURE, command=command,
                   port=ports_of(ports)[name], url=url_of(name, ports),
                   stop_wait_seconds=20, start_seconds=0)  # fmt: skip


def _binary(name: str) -> Path:
    found = shutil.which(name)
    if found is None:
        raise MissingBinary(f"{name} not found (needed by --monitoring); {_INSTALL}")
    return Path(found)


def monitoring_alerts(backend: ProcessBackend) -> list[str]:
    """One line per alert received so far, oldest first; NotRunning without monitoring."""
    runtime = backend.runtime()
    if not runtime.settings.monitoring:
        raise NotRunning("this sandbox runs without monitoring; `sandbox up --monitoring`")
    received = AlertFile(MonitoringFiles(runtime.paths.root).alerts).read()
    if not received:
        return ["no alert received yet"]
    return [
        f"{alert['received_at']}  {alert.get('status', '?'):8}  "
        f"{alert['labels'].get('alertname', '?')}: "
        f"{alert.get('annotations', {}).get('summary', '')}"
        for alert in received
    ]
