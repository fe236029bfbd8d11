"""Readiness probes: each speaks its component's own protocol, with a short timeout.

A probe returns ``None`` when the component is ready, or a short reason when it is not;
probes never raise, so a waiting loop can call them repeatedly.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import psycopg

from sandbox.components import POSTGRES_ADMIN, RABBITMQ_ADMIN, VHOST_QUOTED
from sandbox.ports import PortPlan
from sandbox.secrets_store import Secrets

PROBE_TIMEOUT_S = 2.0

Probe = Callable[[], str | None]


def tcp_probe(port: int) -> Probe:
    def probe() -> str | None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT_S):
                return None
        except OSError as exc:
            return f"port {port}: {exc.strerror or exc}"

    return probe


def postgres_dsn(ports: PortPlan, secrets: Secrets, database: str = "postgres") -> str:
    return (
        f"host=127.0.0.1 port={ports.postgres} dbname={database} user={POSTGRES_ADMIN} "
        f"password={secrets.postgres_admin} connect_timeout=2"
    )


def postgres_probe(ports: PortPlan, secrets: Secrets) -> Probe:
    def probe() -> str | None:
        try:
            with psycopg.connect(postgres_dsn(ports, secrets)) as conn:
                conn.execute("SELECT 1")
            return None
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    return probe


def rabbitmq_admin_auth(secrets: Secrets) -> tuple[str, str]:
    return (RABBITMQ_ADMIN, secrets.rabbitmq_admin)


def rabbitmq_probe(ports: PortPlan, secrets: Secrets) -> Probe:
    """Ready when the AMQP listener accepts and the vhost passes an aliveness test.

    The aliveness test declares a queue, publishes and consumes a message in the vhost,
    which proves more than a listening port.
    """
    amqp_port = tcp_probe(ports.amqp)
    url = f"http://127.0.0.1:{ports.rabbitmq_management}/api/aliveness-test/{VHOST_QUOTED}"

    def probe() -> str | None:
        not_listening = amqp_port()
        if not_listening:
            return f"AMQP {not_listening}"
        return http_probe(url, auth=rabbitmq_admin_auth(secrets), expect_json={"status": "ok"})()

    return probe


def toxiproxy_probe(ports: PortPlan, expected_proxies: set[str]) -> Probe:
    url = f"http://127.0.0.1:{ports.toxiproxy_api}/proxies"

    def probe() -> str | None:
        try:
            response = httpx.get(url, timeout=PROBE_TIMEOUT_S)
        except httpx.HTTPError as exc:
            return f"API: {type(exc).__name__}"
        if response.status_code != 200:
            return f"API answered {response.status_code}"
        missing = expected_proxies - set(response.json())
        return f"missing proxies: {sorted(missing)}" if missing else None

    return probe


def http_probe(
    url: str,
    auth: tuple[str, str] | None = None,
    expect_json: dict[str, str] | None = None,
) -> Probe:
    def probe() -> str | None:
        try:
            response = httpx.get(url, auth=auth, timeout=PROBE_TIMEOUT_S)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}"
        if response.status_code != 200:
            return f"HTTP {response.status_code} {response.text[:120]}"
        if expect_json is not None:
            body = response.json()
            wrong = {k: body.get(k) for k, v in expect_json.items() if body.get(k) != v}
            if wrong:
                return f"unexpected answer {wrong}"
        return None

    return probe


def service_probe(port: int) -> Probe:
    return http_probe(f"http://127.0.0.1:{port}/health/ready")
