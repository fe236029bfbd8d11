"""The programs of a sandbox: command, environment, user and endpoints of each.

A ``Program`` is what supervisord runs; ``build_programs`` assembles all of them from the
settings, binaries, secrets and topology, so supervisord.conf is one rendering of it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum

from sandbox.binaries import PROJECT_ROOT, Binaries
from sandbox.secrets_store import Secrets
from sandbox.service_catalog import ServiceInstance, ServiceSpec, service_instances
from sandbox.state import SandboxSettings, StatePaths
from sandbox.topology import Link, links_from

VHOST = "/critter"
VHOST_QUOTED = "%2Fcritter"
POSTGRES_ADMIN = "sandbox_admin"
RABBITMQ_ADMIN = "critter_admin"
UNPRIVILEGED_USER = "postgres"


class Kind(StrEnum):
    INFRASTRUCTURE = "infrastructure"
    SERVICE = "service"


@dataclass(frozen=True)
class Program:
    """One supervised process."""

    name: str
    kind: Kind
    command: list[str]
    port: int
    url: str
    environment: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    directory: str | None = None
    stop_signal: str = "TERM"
    stop_wait_seconds: int = 15
    start_seconds: int = 1


def run_as_unprivileged() -> str | None:
    """PostgreSQL refuses to run as root: use the ``postgres`` system user when we are root."""
    return UNPRIVILEGED_USER if os.geteuid() == 0 else None


def postgres_program(paths: StatePaths, settings: SandboxSettings, bins: Binaries) -> Program:
    port = settings.ports.postgres
    command = [
        str(bins.postgres), "-D", str(paths.postgres_data),
        "-c", f"port={port}",
        "-c", "listen_addresses=127.0.0.1",
        # No Unix socket: the default socket folder is shared by every cluster on the host.
        "-c", "unix_socket_directories=",
        "-c", "max_connections=300",
        "-c", "logging_collector=off",
    ]  # fmt: skip
    return Program(
        name="postgres",
        kind=Kind.INFRASTRUCTURE,
        command=command,
        port=port,
        url=f"postgresql://127.0.0.1:{port}",
        user=run_as_unprivileged(),
        stop_signal="INT",  # "fast" shutdown: clients are disconnected, data is flushed
        stop_wait_seconds=60,
    )


def epmd_program(settings: SandboxSettings, bins: Binaries) -> Program:
    port = settings.ports.epmd
    return Program(
        name="epmd",
        kind=Kind.INFRASTRUCTURE,
        command=[str(bins.epmd), "-port", str(port), "-address", "127.0.0.1"],
        port=port,
        url=f"epmd://127.0.0.1:{port}",
    )


def rabbitmq_environment(paths: StatePaths, settings: SandboxSettings) -> dict[str, str]:
    ports = settings.ports
    return {
        "HOME": str(paths.rabbitmq_home),
        "ERL_EPMD_PORT": str(ports.epmd),
        "RABBITMQ_NODENAME": settings.node_name,
        "RABBITMQ_NODE_PORT": str(ports.amqp),
        "RABBITMQ_DIST_PORT": str(ports.rabbitmq_dist),
        "RABBITMQ_MNESIA_BASE": str(paths.rabbitmq_mnesia),
        "RABBITMQ_LOG_BASE": str(paths.logs),
        "RABBITMQ_LOGS": "-",
        "RABBITMQ_CONFIG_FILE": str(paths.rabbitmq_config_base),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(paths.rabbitmq_plugins_file),
        "RABBITMQ_PID_FILE": str(paths.run_dir / "rabbitmq.pid"),
        # Our epmd is supervised; never let Erlang spawn an unsupervised one.
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
            "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}"
        ),
    }


def rabbitmq_program(paths: StatePaths, settings: SandboxSettings, bins: Binaries) -> Program:
    port = settings.ports.amqp
    return Program(
        name="rabbitmq",
        kind=Kind.INFRASTRUCTURE,
        command=[str(bins.rabbitmq_server)],
        port=port,
        url=f"amqp://127.0.0.1:{port}/{VHOST_QUOTED}  "
        f"http://127.0.0.1:{settings.ports.rabbitmq_management}/",
        environment=rabbitmq_environment(paths, settings),
        stop_wait_seconds=60,
    )


def toxiproxy_program(paths: StatePaths, settings: SandboxSettings, bins: Binaries) -> Program:
    port = settings.ports.toxiproxy_api
    return Program(
        name="toxiproxy",
        kind=Kind.INFRASTRUCTURE,
        command=[
            str(bins.toxiproxy),
            "-host",
            "127.0.0.1",
            "-port",
            str(port),
            "-config",
            str(paths.toxiproxy_config),
        ],
        port=port,
        url=f"http://127.0.0.1:{port}/proxies",
    )


def service_environment(
    spec: ServiceSpec, port: int, links: list[Link], secrets: Secrets, defects: str
) -> dict[str, str]:
    """What a service reads at start: its port, its proxied dependencies and credentials."""
    own = links_from(links, spec.name)
    env = {"SERVICE_NAME": spec.name, "HTTP_PORT": str(port), "SANDBOX_DEFECTS": defects}
    if spec.uses_database:
        env["DATABASE_URL"] = (
            f"postgresql://{spec.name}:{secrets.postgres_password(spec.name)}"
            f"@{own['postgres'].listen}/{spec.name}"
        )
    if spec.uses_broker:
        env["AMQP_URL"] = (
            f"amqp://{spec.name}:{secrets.rabbitmq_password(spec.name)}"
            f"@{own['rabbitmq'].listen}/{VHOST_QUOTED}"
        )
    for target in spec.calls:
        env[f"UPSTREAM_{target.upper()}_URL"] = f"http://{own[target].listen}"
    env["AUTH_SIGNING_KEY"] = secrets.get("auth/signing-key")
    return env


def service_program(
    instance: ServiceInstance, port: int, links: list[Link], secrets: Secrets, defects: str
) -> Program:
    spec = instance.spec
    command = [
        sys.executable, "-m", "uvicorn", spec.app_factory, "--factory",
        "--host", "127.0.0.1", "--port", str(port),
        # Longer than any think time, so load-test clients keep their connections.
        "--timeout-keep-alive", "75", "--no-access-log",
    ]  # fmt: skip
    return Program(
        name=instance.name,
        kind=Kind.SERVICE,
        command=command,
        port=port,
        url=f"http://127.0.0.1:{port}/docs",
        environment=service_environment(spec, port, links, secrets, defects),
        directory=str(PROJECT_ROOT),
        stop_wait_seconds=15,
        start_seconds=2,
    )


def build_programs(
    paths: StatePaths,
    settings: SandboxSettings,
    bins: Binaries,
    secrets: Secrets,
    links: list[Link],
    defects: str = "",
) -> list[Program]:
    """Every program, infrastructure first, in start order."""
    programs = [
        epmd_program(settings, bins),
        postgres_program(paths, settings, bins),
        toxiproxy_program(paths, settings, bins),
        rabbitmq_program(paths, settings, bins),
    ]
    programs += [
        service_program(
            instance,
            settings.ports.service(instance.index, instance.replica),
            links,
            secrets,
            defects,
        )
        for instance in service_instances(settings.replicas)
    ]
    return programs
