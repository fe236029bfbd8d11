"""`sandbox up --monitoring` on a real sandbox: Prometheus scrapes every service and
RabbitMQ, a poison message raises the dead-letter series and its alert reaches the
sandbox's receiver through a real Alertmanager, and every metric the alert rules name
or dashboard panel names exists on the live system."""

from __future__ import annotations

import asyncio
import re
import uuid

import aio_pika
import httpx
import pytest

from tests.promql_names import names_in_rules_and_dashboards
from tests.sandbox_control import SandboxHandle, wait_for
from tests.system.amqp_helpers import admin_url

pytestmark = pytest.mark.sandbox


def publish_to_queue(sandbox: SandboxHandle, queue: str, body: bytes) -> None:
    """One persistent message straight into ``queue`` (default exchange), confirmed."""

    async def run() -> None:
        connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            message = aio_pika.Message(
                body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(uuid.uuid4()), type="OrderPaymentAuthorized",
            )  # fmt: skip
            await channel.default_exchange.publish(message, routing_key=queue)

    asyncio.run(run())


def query(prometheus: str, expression: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": expression}, timeout=10)
    answer.raise_for_status()
    return list(answer.json()["data"]["result"])


def known_to(prometheus: str, name: str) -> bool:
    """A series exists, or a target declared the family (a labelled counter that never
    counted has no series yet, but its # TYPE line is scraped: the metadata API has it)."""
    if query(prometheus, name):
        return True
    family = re.sub(r"_(bucket|sum|count)$", "", name)
    metadata = httpx.get(f"{prometheus}/api/v1/metadata", timeout=10).json()["data"]
    return name in metadata or family in metadata


def test_a_poison_message_fires_the_dead_letter_alert_into_the_receiver(
    new_sandbox: SandboxHandle,
) -> None:
    base = new_sandbox.port_base
    new_sandbox.cli(
        "up", "--port-base", str(base), "--monitoring",
        "--alert-window", "DeadLetterQueueNotEmpty=4s",
    )  # fmt: skip
    states = {c["name"]: c["state"] for c in new_sandbox.status()}
    assert {states[n] for n in ("prometheus", "alertmanager", "alert-receiver")} == {"ready"}
    prometheus, receiver = f"http://127.0.0.1:{base + 7}", f"http://127.0.0.1:{base + 9}"

    def scraped() -> bool:
        targets = httpx.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"]
        return bool(sum(t["health"] == "up" for t in targets["activeTargets"]) == 10)

    wait_for(scraped, 60, "Prometheus to scrape 8 services and RabbitMQ twice")
    named = names_in_rules_and_dashboards()
    missing = sorted(name for name in named if not known_to(prometheus, name))
    assert not missing, f"rules or dashboards name metrics no live part exports: {missing}"

    publish_to_queue(new_sandbox, "orders.inbox", b'{"not": json')

    def dead_lettered() -> bool:
        found = query(prometheus, 'rabbitmq_detailed_queue_messages{queue="orders.dead-letter"}')
        return bool(found) and float(found[0]["value"][1]) >= 1  # type: ignore[index]

    wait_for(dead_lettered, 60, "orders.dead-letter's depth in Prometheus")
    poison = 'messaging_dead_lettered_total{service="orders",reason="poison"}'
    wait_for(lambda: bool(query(prometheus, poison)), 30, "Orders' poison count in Prometheus")

    def alerted() -> bool:
        alerts = httpx.get(f"{receiver}/alerts", timeout=10).json()
        return any(
            a["labels"].get("alertname") == "DeadLetterQueueNotEmpty"
            and a["labels"].get("queue") == "orders.dead-letter"
            and a["status"] == "firing"
            for a in alerts
        )

    watched = new_sandbox.cli("status", "--watch", "--iterations", "1", COLUMNS="200").stdout
    dead_letters = next(line for line in watched.splitlines() if "orders.dead-letter" in line)
    assert dead_letters.split("│")[2].strip() == "1", watched  # its depth, from RabbitMQ
    assert "stuck sagas" in watched

    wait_for(alerted, 120, "DeadLetterQueueNotEmpty to reach the sandbox's receiver")
    listed = new_sandbox.cli("alerts").stdout
    assert "DeadLetterQueueNotEmpty: orders.dead-letter holds 1 dead-lettered messages" in listed
