"""With every service cut off from the broker, checkouts are still accepted, and the orders
complete once the broker is reachable again: the outboxes hold the messages meanwhile."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox_control import SandboxHandle, wait_for
from tests.system.shop_client import Shop

pytestmark = pytest.mark.sandbox


def broker_links(sandbox: SandboxHandle) -> list[str]:
    proxies = httpx.get(f"http://127.0.0.1:{sandbox.port_base}/proxies", timeout=10).json()
    return sorted(name for name in proxies if name.endswith("->rabbitmq"))


def set_enabled(sandbox: SandboxHandle, links: list[str], enabled: bool) -> None:
    for name in links:
        response = httpx.post(
            f"http://127.0.0.1:{sandbox.port_base}/proxies/{name}",
            json={"enabled": enabled},
            timeout=10,
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def cut_off(shared_sandbox: SandboxHandle) -> Iterator[list[str]]:
    links = broker_links(shared_sandbox)
    assert len(links) == 8
    try:
        yield links
    finally:
        set_enabled(shared_sandbox, links, True)


def test_orders_accepted_during_a_broker_outage_complete_afterwards(
    shared_sandbox: SandboxHandle, cut_off: list[str]
) -> None:
    shop = Shop(shared_sandbox)
    customer, _ = shop.login(31)
    checkouts = [shop.checkout(customer, {"PET-FIRST-AID": 1}) for _ in range(3)]
    # Make sure Orders has every checkout before the cut (CheckoutInitiated delivered).
    wait_for(
        lambda: all(
            shop.call("GET", "orders", f"/api/checkouts/{c}").status_code == 200 for c in checkouts
        ),
        30,
        "Orders to receive the checkouts",
    )

    set_enabled(shared_sandbox, cut_off, False)
    orders = [shop.complete(checkout) for checkout in checkouts]
    assert all(shop.order(o)["status"] == "Placed" for o in orders)
    assert outbox_depth(shop, "orders") >= len(orders), "OrderPlaced should wait in the outbox"

    set_enabled(shared_sandbox, cut_off, True)
    for order_id in orders:
        assert shop.wait_terminal(order_id, deadline_s=90)["status"] == "Delivered"
        [payment] = shop.payments(order_id)
        assert payment["status"] == "Captured"


def outbox_depth(shop: Shop, service: str) -> float:
    for line in shop.call("GET", service, "/metrics").text.splitlines():
        if line.startswith("messaging_outbox_depth"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{service} exports no messaging_outbox_depth")
