"""The whole life of a sandbox on real PostgreSQL, RabbitMQ and Toxiproxy.

up -> every component ready -> data written -> down -> nothing runs -> up -> the data
is still there -> down --purge -> no process and no folder left.
"""

from __future__ import annotations

import uuid

import httpx
import psutil
import pytest

from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import publish_persistent, take_one
from tests.system.shop_client import Shop

pytestmark = pytest.mark.sandbox

EXPECTED = {
    "epmd", "postgres", "toxiproxy", "rabbitmq",
    "catalog", "identity", "inventory", "payments", "fulfillment", "shopping", "orders",
    "storefront",
}  # fmt: skip


def catalog_url(sandbox: SandboxHandle) -> str:
    service = sandbox.component("catalog")
    return f"http://127.0.0.1:{service['port']}"


def create_product(sandbox: SandboxHandle, sku: str) -> None:
    body = {"sku": sku, "name": "Test bone", "description": "t", "category": "Dogs", "price": 3}
    response = httpx.post(f"{catalog_url(sandbox)}/api/products", json=body, timeout=10)
    assert response.status_code == 201, response.text


def product_exists(sandbox: SandboxHandle, sku: str) -> bool:
    response = httpx.get(f"{catalog_url(sandbox)}/api/products/{sku}", timeout=10)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def test_up_down_up_keeps_data_and_purge_leaves_nothing(
    new_sandbox: SandboxHandle, shared_sandbox: SandboxHandle
) -> None:
    sandbox = new_sandbox
    sandbox.up()
    components = {c["name"]: c for c in sandbox.status()}
    assert set(components) == EXPECTED
    assert all(c["state"] == "ready" for c in components.values()), components

    sku = f"KEEP-{uuid.uuid4().hex[:8].upper()}"
    queue = f"test.durable.{uuid.uuid4().hex[:8]}"
    create_product(sandbox, sku)
    publish_persistent(sandbox, queue, b"still here")
    shop = Shop(sandbox)
    customer, _ = shop.login(7)
    order_id = shop.complete(shop.checkout(customer, {"DOG-BED-ORTHO": 1}))
    assert shop.wait_terminal(order_id)["status"] == "Delivered"

    # Side by side: the shared sandbox (another folder and port base) sees none of it.
    assert not product_exists(shared_sandbox, sku)
    assert all(c["state"] == "ready" for c in shared_sandbox.status())

    sandbox.cli("down")
    assert sandbox.processes() == [], "down left processes running"
    assert sandbox.state_dir.exists(), "down must keep the data"

    sandbox.up()
    assert product_exists(sandbox, sku), "a product written before down is gone"
    assert shop.order(order_id)["status"] == "Delivered", "an order placed before down is gone"
    assert take_one(sandbox, queue) == b"still here", "a persistent message was lost"

    sandbox.cli("down", "--purge")
    assert sandbox.processes() == []
    assert not sandbox.state_dir.exists()


def test_second_up_is_a_no_op(shared_sandbox: SandboxHandle) -> None:
    before = {c["name"]: c["pid"] for c in shared_sandbox.status()}
    result = shared_sandbox.up()
    assert "already running" in result.stdout
    after = {c["name"]: c["pid"] for c in shared_sandbox.status()}
    assert before == after, "a second up restarted something"


def test_durable_message_survives_broker_restart(shared_sandbox: SandboxHandle) -> None:
    queue = f"test.restart.{uuid.uuid4().hex[:8]}"
    publish_persistent(shared_sandbox, queue, b"survivor")
    old_pid = shared_sandbox.component("rabbitmq")["pid"]

    shared_sandbox.cli("restart", "rabbitmq")

    rabbit = shared_sandbox.component("rabbitmq")
    assert rabbit["state"] == "ready"
    assert rabbit["pid"] != old_pid, "the broker was not actually restarted"
    assert not psutil.pid_exists(old_pid)
    assert take_one(shared_sandbox, queue) == b"survivor"


def test_services_reach_dependencies_only_through_toxiproxy(
    shared_sandbox: SandboxHandle,
) -> None:
    proxies = httpx.get(f"http://127.0.0.1:{shared_sandbox.port_base}/proxies", timeout=10).json()
    assert {"catalog->postgres", "catalog->rabbitmq"} <= set(proxies)
    catalog = shared_sandbox.component("catalog")
    environ = psutil.Process(catalog["pid"]).environ()
    listen = {proxy["listen"] for proxy in proxies.values()}
    db_host = environ["DATABASE_URL"].split("@", 1)[1].split("/", 1)[0]
    amqp_host = environ["AMQP_URL"].split("@", 1)[1].split("/", 1)[0]
    assert db_host in listen
    assert amqp_host in listen
