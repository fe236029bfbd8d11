"""What the harness knows about the system under test: addresses, credentials, names.

The harness sees the system only as a user and an operator would (HTTP, SSE, AMQP, SQL and
the Toxiproxy API); the CLI fills this in from a running sandbox. Ground-truth reads go
straight to PostgreSQL and RabbitMQ, never through a proxy a fault may be cutting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chaos.live_figures import MetricSources


@dataclass(frozen=True)
class Target:
    storefront_urls: tuple[str, ...]  # every Storefront replica, replica 1 first
    toxiproxy_url: str
    databases: dict[str, str] = field(repr=False)  # service -> admin DSN, direct
    amqp_url: str = field(repr=False, default="")  # admin, direct, vhost /critter
    management_url: str = ""
    management_auth: tuple[str, str] = field(repr=False, default=("", ""))
    signing_key: str = field(repr=False, default="")  # only to mint an *expired* token
    components: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()
    port_base: int = 0
    metrics: MetricSources | None = None  # where the live figures are read, when known


class ComponentControl(Protocol):
    """What a backend offers chaos: see, stop, start and signal its components."""

    def pid(self, name: str) -> int | None:
        """The pid doing the component's work (the Erlang VM for RabbitMQ), or None."""

    def process_tree(self, name: str) -> list[int]:
        """Every pid of the component (PostgreSQL's backends, RabbitMQ's helpers)."""

    def stop(self, name: str) -> None:
        """Stop gracefully; returns once stopped."""

    def start(self, name: str) -> None:
        """Start (a started component is left alone) and wait until it is ready."""

    def is_ready(self, name: str) -> bool: ...
