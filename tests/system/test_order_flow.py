"""The order saga across all services on a real sandbox: happy path and compensations."""

from __future__ import annotations

import pytest

from tests.sandbox_control import SandboxHandle
from tests.system.shop_client import Shop

pytestmark = pytest.mark.sandbox


@pytest.fixture
def shop(shared_sandbox: SandboxHandle) -> Shop:
    return Shop(shared_sandbox)


def test_an_order_is_delivered_with_one_commit_and_one_capture(shop: Shop) -> None:
    customer, _ = shop.login(11)
    order_id = shop.complete(shop.checkout(customer, {"DOG-BOWL-001": 2, "CAT-TOY-LASER": 1}))
    order = shop.wait_terminal(order_id)
    assert order["status"] == "Delivered", order
    statuses = [step["status"] for step in order["history"]]
    assert statuses[0] == "Placed"
    assert statuses[-3:] == ["Confirmed", "Shipped", "Delivered"]
    reservations = shop.reservations(order_id)
    assert reservations["status"] == "Committed"
    assert {r["status"] for r in reservations["reservations"]} == {"Committed"}
    [payment] = shop.payments(order_id)
    assert payment["status"] == "Captured"
    assert payment["capturedAmount"] == order["totalAmount"]


def test_a_declined_payment_cancels_and_releases_the_stock(shop: Shop) -> None:
    customer, _ = shop.login(12)
    order_id = shop.complete(shop.checkout(customer, {"DOG-TOY-ROPE": 1}), token="tok_decline_1")
    order = shop.wait_terminal(order_id)
    assert order["status"] == "Cancelled"
    assert "declined" in order["cancelReason"]
    [payment] = shop.payments(order_id)
    assert payment["status"] == "Failed"
    assert "capturedAt" not in payment
    shop_wait_released(shop, order_id)


def test_a_stock_shortage_cancels_and_voids_the_payment(shop: Shop) -> None:
    sku = "XMAS-PET-SWEATER"
    for warehouse in ("WH-01", "WH-02"):
        shop.set_stock(sku, warehouse, 2)  # 4 in all, 5 ordered
    try:
        customer, _ = shop.login(13)
        order_id = shop.complete(shop.checkout(customer, {sku: 5}))
        order = shop.wait_terminal(order_id)
        assert order["status"] == "Cancelled"
        assert "stock" in order["cancelReason"]
        assert shop.reservations(order_id)["status"] == "Failed"
        [payment] = shop.payments(order_id)
        assert payment["status"] in ("Voided", "Failed"), payment
        assert "capturedAt" not in payment
    finally:
        for warehouse in ("WH-01", "WH-02"):
            shop.set_stock(sku, warehouse, 10_000)


def shop_wait_released(shop: Shop, order_id: str) -> None:
    from tests.sandbox_control import wait_for

    def released() -> bool:
        reservations = shop.reservations(order_id)
        return reservations.get("status") in ("Released", "Failed") and all(
            r["status"] == "Released" for r in reservations["reservations"]
        )

    wait_for(released, 30, f"the reservation of {order_id} to be released")
