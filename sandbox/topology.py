"""Network topology: one named Toxiproxy proxy per link a fault can target.

Links are derived from the services catalog in a fixed order, so a link keeps its name
(``orders->rabbitmq``, ``storefront->catalog``) and, for a given catalog, its port.
Services only ever receive proxy addresses, never a dependency's real address.
A proxy has one upstream, so HTTP calls between services reach replica 1 of the callee;
further replicas share the links of their service and the work that arrives by the bus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sandbox.ports import MAX_PROXIES, PortPlan
from sandbox.service_catalog import SERVICES, ServiceSpec, service_instances

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Link:
    """A proxied connection from ``source`` to ``target``."""

    source: str
    target: str
    listen_port: int
    upstream_port: int

    @property
    def name(self) -> str:
        return f"{self.source}->{self.target}"

    @property
    def listen(self) -> str:
        return f"{LOOPBACK}:{self.listen_port}"

    @property
    def upstream(self) -> str:
        return f"{LOOPBACK}:{self.upstream_port}"


def build_links(ports: PortPlan, services: tuple[ServiceSpec, ...] = SERVICES) -> list[Link]:
    """Every link of the system, in catalog order: database, broker, then HTTP calls."""
    service_ports = {spec.name: ports.service(i) for i, spec in enumerate(services)}
    wanted: list[tuple[str, str, int]] = []
    for spec in services:
        if spec.uses_database:
            wanted.append((spec.name, "postgres", ports.postgres))
        if spec.uses_broker:
            wanted.append((spec.name, "rabbitmq", ports.amqp))
        wanted.extend((spec.name, target, service_ports[target]) for target in spec.calls)
    if len(wanted) > MAX_PROXIES:
        raise ValueError(f"{len(wanted)} links exceed the {MAX_PROXIES} proxy ports of a plan")
    return [
        Link(source, target, ports.proxy(i), upstream)
        for i, (source, target, upstream) in enumerate(wanted)
    ]


def links_from(links: list[Link], source: str) -> dict[str, Link]:
    """The links a service uses, keyed by target name."""
    return {link.target: link for link in links if link.source == source}


def toxiproxy_config(links: list[Link]) -> str:
    """The JSON file toxiproxy-server loads with ``-config`` at every start.

    Loading at start (rather than creating proxies over the API afterwards) means a
    restarted or crashed Toxiproxy comes back with every link already in place.
    """
    proxies = [
        {"name": link.name, "listen": link.listen, "upstream": link.upstream, "enabled": True}
        for link in links
    ]
    return json.dumps(proxies, indent=2) + "\n"


def planned_ports(
    ports: PortPlan,
    replicas: int = 1,
    services: tuple[ServiceSpec, ...] = SERVICES,
    monitoring: bool = False,
) -> dict[str, int]:
    """Every port a sandbox binds, named by owner, for busy-port checks."""
    planned = dict(ports.infrastructure())
    if monitoring:
        planned.update(ports.monitoring())
    planned.update(
        {
            instance.name: ports.service(instance.index, instance.replica)
            for instance in service_instances(replicas, services)
        }
    )
    planned.update(
        {f"proxy {link.name}": link.listen_port for link in build_links(ports, services)}
    )
    return planned
