"""`sandbox up --monitoring` on a real sandbox: Prometheus scrapes every service and
RabbitMQ, a poison message raises the dead-letter series and its alert reaches the
sandbox's receiver through a real Alertmanager, an order held up by a paused Payments
raises the stuck-saga series and its alert, and every metric the alert rules name or
dashboard panel names exists on the live system."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import aio_pika
import httpx
import psutil
import pytest

from tests.promql_names import names_in_rules_and_dashboards
from tests.sandbox_control import SandboxHandle, wait_for
from tests.system.amqp_helpers import admin_url
from tests.system.shop_client import Shop

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


@contextmanager
def frozen(pid: int) -> Iterator[None]:
    """SIGSTOP ``pid`` and its children for the block; SIGCONT whatever happens."""
    pids = [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    try:
        for each in pids:
            os.kill(each, signal.SIGSTOP)
        yield
    finally:
        for each in pids:
            os.kill(each, signal.SIGCONT)


def firing(receiver: str, alertname: str, **labels: str) -> bool:
    return any(
        a["labels"].get("alertname") == alertname
        and all(a["labels"].get(k) == v for k, v in labels.items())
        and a["status"] == "firing"
        for a in httpx.get(f"{receiver}/alerts", timeout=10).json()
    )


def stuck_sagas(prometheus: str) -> float | None:
    found = query(prometheus, 'orders_sagas_stuck{service="orders"}')
    return float(found[0]["value"][1]) if found else None  # type: ignore[index]


def test_a_poison_message_and_a_paused_payments_fire_their_alerts_into_the_receiver(
    new_sandbox: SandboxHandle,
) -> None:
    base = new_sandbox.port_base
    new_sandbox.cli(
        "up", "--port-base", str(base), "--monitoring",
        "--alert-window", "DeadLetterQueueNotEmpty=4s", "--alert-window", "SagaStuck=2s",
        ORDER_SAGA_STUCK_SECONDS="2",  # the saga timeout stays 300 s: nothing is cancelled
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

    watched = new_sandbox.cli("status", "--watch", "--iterations", "1", COLUMNS="200").stdout
    dead_letters = next(line for line in watched.splitlines() if "orders.dead-letter" in line)
    assert dead_letters.split("│")[2].strip() == "1", watched  # its depth, from RabbitMQ
    assert "stuck sagas" in watched

    wait_for(
        lambda: firing(receiver, "DeadLetterQueueNotEmpty", queue="orders.dead-letter"), 120,
        "DeadLetterQueueNotEmpty to reach the sandbox's receiver",
    )  # fmt: skip
    listed = new_sandbox.cli("alerts").stdout
    assert "DeadLetterQueueNotEmpty: orders.dead-letter holds 1 dead-lettered messages" in listed

    # A stuck saga: Payments frozen, an order waits for its authorisation.
    assert stuck_sagas(prometheus) == 0.0
    shop = Shop(new_sandbox)
    customer, _token = shop.login(3)
    for service in ("shopping", "orders"):
        shop.url(service, "/")  # learn their ports while every probe still answers
    with frozen(int(new_sandbox.component("payments")["pid"])):
        order = shop.complete(shop.checkout(customer, {"DOG-BOWL-001": 1}))
        wait_for(
            lambda: (stuck_sagas(prometheus) or 0) >= 1, 60,
            "orders_sagas_stuck to count the order waiting for Payments",
        )  # fmt: skip
        assert shop.order(order)["status"] == "InventoryReserved"
        frozen_view = new_sandbox.cli("status", "--watch", "--iterations", "1", COLUMNS="200")
        shown = frozen_view.stdout
        rows = [line for line in shown.splitlines() if line.startswith("│ orders ")]
        orders_row = rows[-1]  # the services table comes after the components table
        assert orders_row.split("│")[4].strip() == "1", shown  # its stuck sagas
        assert "unreadable: payments" in shown
        wait_for(
            lambda: firing(receiver, "SagaStuck", service="orders"), 120,
            "SagaStuck to reach the sandbox's receiver",
        )  # fmt: skip
    assert shop.wait_terminal(order)["status"] == "Delivered"  # resumed: the saga moves on
    wait_for(lambda: stuck_sagas(prometheus) == 0.0, 30, "orders_sagas_stuck back to 0")
    assert "SagaStuck: 1 orders" in new_sandbox.cli("alerts").stdout
