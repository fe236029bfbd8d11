"""``sandbox up --replicas 2``: two copies of every service on one real sandbox.

Both Storefront replicas consume the same inbox queue, so a customer's events are stored
by whichever replica got the message and reach the customer's streams on *both* replicas
through LISTEN/NOTIFY. Isolation must hold all the same: each stream carries only its
owner's events, and the two replicas show a customer the same events with the same ids.
"""

from __future__ import annotations

import asyncio
from functools import partial
from uuid import uuid4

import httpx
import pytest

from services.kernel.messaging.topology import Topology
from tests.sandbox_control import SandboxHandle, wait_for
from tests.system.test_storefront_journey import journey
from tests.system.test_storefront_sse import Shop, listening, status_changed
from tests.tokens import tampered

pytestmark = pytest.mark.sandbox

EVENTS_PER_CUSTOMER = 20
SERVICES = ("catalog", "identity", "inventory", "payments", "fulfillment", "shopping", "orders",
            "storefront")  # fmt: skip
CONSUMING = ("inventory", "payments", "fulfillment", "orders", "storefront")


def replica_shop(sandbox: SandboxHandle, component: str) -> Shop:
    shop = Shop.of(sandbox)
    shop.base_url = f"http://127.0.0.1:{sandbox.component(component)['port']}"
    return shop


def consumers_of(sandbox: SandboxHandle, queue: str) -> int | None:
    """Consumers on ``queue`` per the management API; None until its stats are collected."""
    password = sandbox.secrets()["rabbitmq/admin"]
    answer = httpx.get(
        f"http://127.0.0.1:{sandbox.port_base + 3}/api/queues/%2Fcritter/{queue}",
        auth=("critter_admin", password),
        timeout=10,
    )
    answer.raise_for_status()
    consumers = answer.json().get("consumers")
    return None if consumers is None else int(consumers)


def has_consumers(sandbox: SandboxHandle, queue: str, count: int) -> bool:
    return consumers_of(sandbox, queue) == count


def test_two_replicas_share_the_work_and_keep_streams_isolated(
    new_sandbox: SandboxHandle,
) -> None:
    new_sandbox.cli("up", "--port-base", str(new_sandbox.port_base), "--replicas", "2")
    components = {c["name"]: c for c in new_sandbox.status()}
    for name in SERVICES:
        for copy in (name, f"{name}-2"):
            assert components[copy]["state"] == "ready", components[copy]
        assert components[f"{name}-2"]["port"] != components[name]["port"]
    for name in CONSUMING:
        queue = Topology(name).inbox_queue
        wait_for(partial(has_consumers, new_sandbox, queue, 2), 30, f"2 consumers on {queue}")

    first = replica_shop(new_sandbox, "storefront")
    second = replica_shop(new_sandbox, "storefront-2")
    alice, bob = uuid4(), uuid4()

    async def scenario() -> None:
        async with (
            listening(first, alice) as alice_on_first,
            listening(second, alice) as alice_on_second,
            listening(second, bob) as bob_on_second,
        ):
            for _ in range(EVENTS_PER_CUSTOMER):
                await first.publish(status_changed(alice, "Placed"), status_changed(bob, "Placed"))
            for stream, who in (
                (alice_on_first, "alice on replica 1"),
                (alice_on_second, "alice on replica 2"),
                (bob_on_second, "bob on replica 2"),
            ):
                await stream.until(lambda s: len(s.events) >= EVENTS_PER_CUSTOMER, who)
        assert alice_on_first.customers() == alice_on_second.customers() == {str(alice)}
        assert bob_on_second.customers() == {str(bob)}
        ids_first = [e["id"] for e in alice_on_first.events]
        assert ids_first == [e["id"] for e in alice_on_second.events]
        assert len(set(ids_first)) == EVENTS_PER_CUSTOMER, "an event was pushed twice"

    asyncio.run(scenario())

    with httpx.Client(base_url=second.base_url, timeout=10) as client:
        foreign = client.get(
            f"/sse/storefront/customers/{bob}",
            headers={"Authorization": f"Bearer {second.token(alice)}"},
        )
        assert foreign.status_code == 403
        forged = tampered(second.token(alice))
        assert client.get("/sse/storefront", params={"access_token": forged}).status_code == 401

    # A whole order through replica 2, with every service's work split between two copies.
    asyncio.run(journey(second.base_url, customer_number=44))


def test_replicas_cannot_change_while_running_and_down_stops_every_copy(
    new_sandbox: SandboxHandle,
) -> None:
    base = str(new_sandbox.port_base)
    new_sandbox.cli("up", "--port-base", base, "--replicas", "2")
    again = new_sandbox.cli("up", "--port-base", base)  # no flag: keeps what runs
    assert "already running" in again.stdout
    changed = new_sandbox.cli("up", "--replicas", "3", check=False)
    assert changed.returncode == 2
    assert "sandbox down" in changed.stderr
    assert "Traceback" not in changed.stderr
    assert new_sandbox.component("storefront-2")["state"] == "ready"
    new_sandbox.cli("down")
    assert new_sandbox.processes() == [], "a replica outlived `sandbox down`"
