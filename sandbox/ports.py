"""The port plan: every port a sandbox uses, derived from one base port.

Fixed offsets keep a sandbox's ports predictable (docs and firewalls can name them) and
let two sandboxes run side by side when their bases are at least ``PORT_SPAN`` apart.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from sandbox.errors import PortBusy

DEFAULT_PORT_BASE = 24000
PORT_SPAN = 200
SERVICE_OFFSET = 20
PROXY_OFFSET = 60
# Replica r of service i listens on SERVICE_OFFSET + (r - 1) * REPLICA_STRIDE + i, so
# replica 1 keeps the same port whatever the replica count.
MAX_REPLICAS = 4
REPLICA_STRIDE = (PROXY_OFFSET - SERVICE_OFFSET) // MAX_REPLICAS
MAX_SERVICES = REPLICA_STRIDE
MAX_PROXIES = PORT_SPAN - PROXY_OFFSET


@dataclass(frozen=True)
class PortPlan:
    """Ports of one sandbox; all bound on 127.0.0.1."""

    base: int

    def __post_init__(self) -> None:
        if not 1024 <= self.base <= 65535 - PORT_SPAN:
            raise ValueError(f"port base must be between 1024 and {65535 - PORT_SPAN}")

    @property
    def toxiproxy_api(self) -> int:
        return self.base

    @property
    def postgres(self) -> int:
        return self.base + 1

    @property
    def amqp(self) -> int:
        return self.base + 2

    @property
    def rabbitmq_management(self) -> int:
        return self.base + 3

    @property
    def rabbitmq_prometheus(self) -> int:
        return self.base + 4

    @property
    def rabbitmq_dist(self) -> int:
        return self.base + 5

    @property
    def epmd(self) -> int:
        return self.base + 6

    @property
    def prometheus(self) -> int:
        return self.base + 7

    @property
    def alertmanager(self) -> int:
        return self.base + 8

    @property
    def alert_receiver(self) -> int:
        return self.base + 9

    def monitoring(self) -> dict[str, int]:
        """Bound only by a sandbox started with ``--monitoring``."""
        return {
            "prometheus": self.prometheus,
            "alertmanager": self.alertmanager,
            "alert-receiver": self.alert_receiver,
        }

    def service(self, index: int, replica: int = 1) -> int:
        if not 0 <= index < MAX_SERVICES:
            raise ValueError(f"service index {index} outside the plan")
        if not 1 <= replica <= MAX_REPLICAS:
            raise ValueError(f"replica {replica} outside the plan (1..{MAX_REPLICAS})")
        return self.base + SERVICE_OFFSET + (replica - 1) * REPLICA_STRIDE + index

    def proxy(self, index: int) -> int:
        if not 0 <= index < MAX_PROXIES:
            raise ValueError(f"proxy index {index} outside the plan")
        return self.base + PROXY_OFFSET + index

    def infrastructure(self) -> dict[str, int]:
        return {
            "toxiproxy": self.toxiproxy_api,
            "postgres": self.postgres,
            "rabbitmq (amqp)": self.amqp,
            "rabbitmq (management)": self.rabbitmq_management,
            "rabbitmq (prometheus)": self.rabbitmq_prometheus,
            "rabbitmq (distribution)": self.rabbitmq_dist,
            "epmd": self.epmd,
        }


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port`` and we could bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def require_free(ports: dict[str, int]) -> None:
    """Raise ``PortBusy`` naming the first taken port, so the user can pick another base."""
    for owner, port in ports.items():
        if not port_is_free(port):
            raise PortBusy(
                f"port {port} ({owner}) is already in use; stop whatever holds it "
                f"or choose another range with --port-base"
            )
