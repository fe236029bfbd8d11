"""The process backend: every component a native process under one supervisord.

Lifecycle commands take an exclusive lock on the state folder so two invocations never
race on the same sandbox.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil

from sandbox import bootstrap, monitoring
from sandbox.binaries import require_binaries
from sandbox.components import build_programs
from sandbox.errors import ConfigError, NotRunning
from sandbox.monitoring import MonitoringRequest
from sandbox.ports import require_free
from sandbox.runtime import INFRASTRUCTURE, Runtime
from sandbox.secrets_store import write_private
from sandbox.service_catalog import service_names
from sandbox.startup import Reporter, start_and_wait
from sandbox.state import (
    SandboxSettings,
    StatePaths,
    load_settings,
    save_settings,
    settings_for_up,
)
from sandbox.supervisor_client import Supervisor
from sandbox.supervisor_conf import render
from sandbox.topology import toxiproxy_config

STOP_DEADLINE_S = 90.0


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    kind: str
    pid: int | None
    port: int
    url: str
    state: str
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"


@dataclass(frozen=True)
class UpResult:
    already_running: bool
    ready_after_s: dict[str, float]
    components: list[ComponentStatus]


@contextmanager
def state_lock(paths: StatePaths) -> Iterator[None]:
    paths.root.mkdir(parents=True, exist_ok=True)
    with paths.lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class ProcessBackend:
    def __init__(self, paths: StatePaths) -> None:
        self.paths = paths
        self.supervisor = Supervisor(paths)

    # -- lifecycle ---------------------------------------------------------------------------

    def up(
        self,
        port_base: int | None,
        report: Reporter,
        defects: tuple[str, ...] = (),
        replicas: int | None = None,
        monitoring: MonitoringRequest | None = None,
    ) -> UpResult:
        with state_lock(self.paths):
            running = self.supervisor.is_running()
            stored = load_settings(self.paths)
            wanted = settings_for_up(
                self.paths, port_base, defects, replicas or 1,
                *(monitoring.as_settings() if monitoring else ()),
            )  # fmt: skip
            if running and stored:
                _refuse_changes_while_running(
                    stored, wanted, port_base is not None, replicas is not None
                )
                if monitoring is not None and monitoring.wanted != stored.monitoring:
                    raise ConfigError(
                        "this sandbox is running "
                        + ("with" if stored.monitoring else "without")
                        + " --monitoring; run `sandbox down` to change that"
                    )
            settings = stored if (running and stored) else wanted
            runtime = Runtime.load(self.paths, settings)
            if not running:
                self._prepare(runtime)
            names = runtime.components
            already = running and all(self.supervisor.info(n).state == "RUNNING" for n in names)
            hooks = {
                "postgres": lambda: bootstrap.provision_postgres(
                    settings, runtime.secrets, service_names()
                ),
                "rabbitmq": lambda: bootstrap.provision_rabbitmq(
                    settings, runtime.secrets, service_names()
                ),
            }
            ready_after = start_and_wait(runtime, self.supervisor, names, hooks, report)
            return UpResult(already, ready_after, self._statuses(runtime))

    def _prepare(self, runtime: Runtime) -> None:
        """Check prerequisites, write configuration, initialise data, launch supervisord."""
        bins = require_binaries()
        require_free(runtime.all_ports())
        paths = self.paths
        save_settings(paths, runtime.settings)
        for folder in (paths.run_dir, paths.logs):
            folder.mkdir(parents=True, exist_ok=True)
        paths.root.chmod(0o755)  # the unprivileged PostgreSQL user must reach its data folder
        paths.run_dir.chmod(0o700)
        if not bootstrap.postgres_initialised(paths):
            bootstrap.init_postgres(paths, bins, runtime.secrets)
        bootstrap.write_rabbitmq_files(paths, runtime.settings, runtime.secrets)
        paths.toxiproxy_config.write_text(toxiproxy_config(runtime.links))
        defects = ",".join(runtime.settings.defects)
        programs = build_programs(
            paths, runtime.settings, bins, runtime.secrets, runtime.links, defects
        )
        if runtime.settings.monitoring:
            programs += monitoring.programs(paths, runtime.settings)
            monitoring.write_files(paths, runtime.settings)
        write_private(paths.supervisor_conf, render(programs, paths))
        self.supervisor.launch()

    def down(self, purge: bool) -> bool:
        """Stop everything (data kept); with ``purge`` delete the state folder. True if it ran."""
        with state_lock(self.paths):
            was_running = self.supervisor.is_running()
            if was_running:
                services = [n for n in self.supervisor.all_info() if n not in INFRASTRUCTURE]
                self.supervisor.stop(services, STOP_DEADLINE_S)
                self.supervisor.stop(["toxiproxy", "rabbitmq", "postgres"], STOP_DEADLINE_S)
                self.supervisor.stop(["epmd"], STOP_DEADLINE_S)
                self.supervisor.shutdown()
        if purge and self.paths.root.exists():
            shutil.rmtree(self.paths.root)
        return was_running

    def restart(self, name: str, report: Reporter) -> ComponentStatus:
        runtime = self._running_runtime()
        if name not in runtime.components:
            valid = ", ".join(runtime.components)
            raise ConfigError(f"unknown component {name!r}; choose one of: {valid}")
        with state_lock(self.paths):
            report(name, "stopping")
            self.supervisor.stop([name], STOP_DEADLINE_S)
            start_and_wait(runtime, self.supervisor, [name], {}, report)
        return next(s for s in self._statuses(runtime) if s.name == name)

    # -- inspection --------------------------------------------------------------------------

    def status(self) -> list[ComponentStatus]:
        return self._statuses(self._running_runtime())

    def is_running(self) -> bool:
        return self.supervisor.is_running()

    def runtime(self) -> Runtime:
        return self._running_runtime()

    def _running_runtime(self) -> Runtime:
        settings = load_settings(self.paths)
        if settings is None or not self.supervisor.is_running():
            raise NotRunning(f"no sandbox is running in {self.paths.root}; run `sandbox up`")
        return Runtime.load(self.paths, settings)

    def _statuses(self, runtime: Runtime) -> list[ComponentStatus]:
        infos = self.supervisor.all_info()
        result = []
        for name in runtime.components:
            info = infos.get(name)
            pid = main_pid(info.pid) if info and info.pid else None
            if info is None or info.state != "RUNNING":
                state, detail = (info.state.lower() if info else "unknown"), ""
            else:
                reason = runtime.probe(name)()
                state, detail = ("ready", "") if reason is None else ("not ready", reason)
            kind = "infrastructure" if name in INFRASTRUCTURE else "service"
            kind = "monitoring" if name in monitoring.COMPONENTS else kind
            result.append(
                ComponentStatus(
                    name, kind, pid, runtime.port(name), runtime.url(name), state, detail
                )
            )
        return result


def _refuse_changes_while_running(
    stored: SandboxSettings, wanted: SandboxSettings, base_given: bool, replicas_given: bool
) -> None:
    if base_given and wanted.port_base != stored.port_base:
        raise ConfigError(
            f"this sandbox is running on port base {stored.port_base}; "
            "run `sandbox down` before moving it"
        )
    if replicas_given and wanted.replicas != stored.replicas:
        raise ConfigError(
            f"this sandbox is running with {stored.replicas} replica(s) per service; "
            "run `sandbox down` to change that"
        )
    if wanted.defects != stored.defects:
        running_with = ", ".join(stored.defects) or "no defects"
        raise ConfigError(
            f"this sandbox is running with {running_with}; run `sandbox down` to change defects"
        )


def main_pid(pid: int) -> int:
    """The process doing the work: the Erlang VM under the rabbitmq-server wrapper script."""
    try:
        process = psutil.Process(pid)
        for child in process.children(recursive=True):
            if child.name().startswith("beam"):
                return child.pid
    except psutil.Error:
        pass
    return pid
