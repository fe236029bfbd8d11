"""The process backend as chaos sees it: component control and the target description.

``chaos/`` never imports ``sandbox/``; this adapter hands it what it needs from a running
sandbox (supervisord for stop/start, psutil for pids, the state folder for credentials).
"""

from __future__ import annotations

import psutil

from chaos.target import Target
from sandbox.backends.process import STOP_DEADLINE_S, main_pid
from sandbox.components import RABBITMQ_ADMIN, VHOST_QUOTED
from sandbox.live_metrics import sources_of
from sandbox.probes import postgres_dsn, rabbitmq_admin_auth
from sandbox.runtime import Runtime
from sandbox.service_catalog import service_names
from sandbox.startup import start_and_wait
from sandbox.supervisor_client import Supervisor


class SupervisedControl:
    """Stop, start and inspect components through the sandbox's supervisord."""

    def __init__(self, runtime: Runtime, supervisor: Supervisor) -> None:
        self._runtime = runtime
        self._supervisor = supervisor

    def _supervised_pid(self, name: str) -> int | None:
        info = self._supervisor.info(name)
        # STARTING counts: PostgreSQL answers well within supervisord's start window.
        return info.pid if info.state in ("STARTING", "RUNNING") and info.pid else None

    def pid(self, name: str) -> int | None:
        pid = self._supervised_pid(name)
        return main_pid(pid) if pid else None

    def process_tree(self, name: str) -> list[int]:
        pid = self._supervised_pid(name)
        if pid is None:
            return []
        try:
            root = psutil.Process(pid)
            return [root.pid, *(child.pid for child in root.children(recursive=True))]
        except psutil.Error:
            return []

    def stop(self, name: str) -> None:
        self._supervisor.stop([name], STOP_DEADLINE_S)

    def start(self, name: str) -> None:
        start_and_wait(self._runtime, self._supervisor, [name], {}, lambda _n, _s: None)

    def is_ready(self, name: str) -> bool:
        return self._runtime.probe(name)() is None


def target_of(runtime: Runtime) -> Target:
    ports = runtime.settings.ports
    secrets = runtime.secrets
    user, password = rabbitmq_admin_auth(secrets)
    storefronts = tuple(
        f"http://127.0.0.1:{runtime.port(i.name)}"
        for i in runtime.instances
        if i.spec.name == "storefront"
    )
    return Target(
        storefront_urls=storefronts,
        toxiproxy_url=f"http://127.0.0.1:{ports.toxiproxy_api}",
        databases={name: postgres_dsn(ports, secrets, name) for name in service_names()},
        amqp_url=f"amqp://{RABBITMQ_ADMIN}:{password}@127.0.0.1:{ports.amqp}/{VHOST_QUOTED}",
        management_url=f"http://127.0.0.1:{ports.rabbitmq_management}",
        management_auth=(user, password),
        signing_key=secrets.get("auth/signing-key"),
        components=tuple(runtime.components),
        services=tuple(runtime.services),
        links=tuple(link.name for link in runtime.links),
        defects=runtime.settings.defects,
        port_base=runtime.settings.port_base,
        metrics=sources_of(runtime),
    )
