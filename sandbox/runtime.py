"""The runtime model of one sandbox: its programs, links and readiness probes.

Built from the state folder (settings, secrets) and the services catalog; shared by every
command so ``up``, ``status`` and ``restart`` agree on what a component is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox import monitoring
from sandbox.probes import (
    Probe,
    postgres_probe,
    rabbitmq_probe,
    service_probe,
    tcp_probe,
    toxiproxy_probe,
)
from sandbox.secrets_store import Secrets, load_or_create
from sandbox.service_catalog import ServiceInstance, service_instances, service_names
from sandbox.state import SandboxSettings, StatePaths
from sandbox.topology import Link, build_links, planned_ports

INFRASTRUCTURE = ("epmd", "postgres", "toxiproxy", "rabbitmq")
READY_DEADLINE_S = {"epmd": 10.0, "postgres": 30.0, "toxiproxy": 15.0, "rabbitmq": 90.0}
SERVICE_READY_DEADLINE_S = 60.0
DEPENDS_ON: dict[str, tuple[str, ...]] = {"rabbitmq": ("epmd",)}
SERVICE_DEPENDS_ON = ("postgres",)


@dataclass(frozen=True)
class Runtime:
    paths: StatePaths
    settings: SandboxSettings
    secrets: Secrets
    links: list[Link]

    @classmethod
    def load(cls, paths: StatePaths, settings: SandboxSettings) -> Runtime:
        secrets = load_or_create(paths.secrets_file, service_names())
        return cls(paths, settings, secrets, build_links(settings.ports))

    @property
    def instances(self) -> list[ServiceInstance]:
        return service_instances(self.settings.replicas)

    @property
    def services(self) -> list[str]:
        """Every service component, replicas included (``storefront``, ``storefront-2``)."""
        return [instance.name for instance in self.instances]

    @property
    def monitoring(self) -> list[str]:
        return list(monitoring.COMPONENTS) if self.settings.monitoring else []

    @property
    def components(self) -> list[str]:
        return [*INFRASTRUCTURE, *self.services, *self.monitoring]

    def probe(self, name: str) -> Probe:
        ports = self.settings.ports
        if name == "epmd":
            return tcp_probe(ports.epmd)
        if name == "postgres":
            return postgres_probe(ports, self.secrets)
        if name == "rabbitmq":
            return rabbitmq_probe(ports, self.secrets)
        if name == "toxiproxy":
            return toxiproxy_probe(ports, {link.name for link in self.links})
        if name in monitoring.COMPONENTS:
            return monitoring.probe_of(name, ports)
        return service_probe(self.port(name))

    def port(self, name: str) -> int:
        ports = self.settings.ports
        fixed = {
            "epmd": ports.epmd,
            "postgres": ports.postgres,
            "rabbitmq": ports.amqp,
            "toxiproxy": ports.toxiproxy_api,
        }
        if name in fixed:
            return fixed[name]
        if name in monitoring.COMPONENTS:
            return monitoring.ports_of(ports)[name]
        instance = next((i for i in self.instances if i.name == name), None)
        if instance is None:
            raise KeyError(f"no component named {name!r}")
        return ports.service(instance.index, instance.replica)

    def url(self, name: str) -> str:
        ports = self.settings.ports
        urls = {
            "epmd": f"epmd://127.0.0.1:{ports.epmd}",
            "postgres": f"postgresql://127.0.0.1:{ports.postgres}",
            "rabbitmq": f"http://127.0.0.1:{ports.rabbitmq_management}/",
            "toxiproxy": f"http://127.0.0.1:{ports.toxiproxy_api}/proxies",
        }
        if name in monitoring.COMPONENTS:
            return monitoring.url_of(name, ports)
        return urls.get(name, f"http://127.0.0.1:{self.port(name)}/docs")

    def deadline(self, name: str) -> float:
        if name in monitoring.COMPONENTS:
            return monitoring.READY_DEADLINE_S
        return READY_DEADLINE_S.get(name, SERVICE_READY_DEADLINE_S)

    def depends_on(self, name: str) -> tuple[str, ...]:
        if name in INFRASTRUCTURE:
            return DEPENDS_ON.get(name, ())
        if name in monitoring.COMPONENTS:
            # After every service, so the first scrapes find them ready.
            return (*monitoring.DEPENDS_ON.get(name, ()), *self.services)
        return SERVICE_DEPENDS_ON

    def all_ports(self) -> dict[str, int]:
        """Every port this sandbox will bind, for the busy-port check before a start."""
        settings = self.settings
        return planned_ports(settings.ports, settings.replicas, monitoring=settings.monitoring)
