"""A shopper and an operator of the running sandbox, over the services' HTTP APIs only."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.sandbox_control import SandboxHandle, wait_for

TERMINAL = {"Delivered", "Cancelled"}
ADDRESS = {
    "addressLine1": "1 Test Street",
    "city": "Portland",
    "stateOrProvince": "OR",
    "postalCode": "97201",
    "country": "US",
}


@dataclass
class Shop:
    sandbox: SandboxHandle
    # A component keeps its port through restarts; one `sandbox status` call each is
    # enough, and no call then waits on the probe of a frozen or stopped component.
    _ports: dict[str, int] = field(default_factory=dict)

    def url(self, service: str, path: str) -> str:
        if service not in self._ports:
            self._ports[service] = int(self.sandbox.component(service)["port"])
        return f"http://127.0.0.1:{self._ports[service]}{path}"

    def call(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.url(service, path), timeout=15, **kwargs)

    def login(self, number: int) -> tuple[str, str]:
        body = {
            "email": f"customer{number:04d}@example.com",
            "password": f"critter-pass-{number:04d}",
        }
        response = self.call("POST", "identity", "/api/auth/login", json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        return data["customerId"], data["token"]

    def checkout(self, customer_id: str, items: dict[str, int]) -> str:
        """Fill a cart and check it out through Shopping; returns the checkout id."""
        created = self.call("POST", "shopping", "/api/carts", json={"customerId": customer_id})
        assert created.status_code in (200, 201), created.text
        cart_id = created.json()["cartId"]
        for sku, quantity in items.items():
            added = self.call(
                "POST", "shopping", f"/api/carts/{cart_id}/items",
                json={"sku": sku, "quantity": quantity},
            )  # fmt: skip
            assert added.status_code == 200, added.text
        checked_out = self.call("POST", "shopping", f"/api/carts/{cart_id}/checkout")
        assert checked_out.status_code == 201, checked_out.text
        return str(checked_out.json()["checkoutId"])

    def complete(self, checkout_id: str, token: str = "tok_visa_4242") -> str:
        """Complete the checkout on Orders (it exists once CheckoutInitiated has arrived)."""
        body = {"address": ADDRESS, "shippingMethod": "Standard", "paymentMethodToken": token}
        answers: list[httpx.Response] = []

        def accepted() -> bool:
            answers.append(
                self.call("POST", "orders", f"/api/checkouts/{checkout_id}/complete", json=body)
            )
            return answers[-1].status_code != 404

        wait_for(accepted, 30, "Orders to receive CheckoutInitiated")
        assert answers[-1].status_code == 201, answers[-1].text
        return str(answers[-1].json()["orderId"])

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.call("GET", "orders", f"/api/orders/{order_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_terminal(self, order_id: str, deadline_s: float = 60) -> dict[str, Any]:
        wait_for(
            lambda: self.order(order_id)["status"] in TERMINAL, deadline_s,
            f"order {order_id} to reach Delivered or Cancelled",
        )  # fmt: skip
        return self.order(order_id)

    def reservations(self, order_id: str) -> dict[str, Any]:
        response = self.call("GET", "inventory", "/api/reservations", params={"orderId": order_id})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def payments(self, order_id: str) -> list[dict[str, Any]]:
        response = self.call("GET", "payments", "/api/payments", params={"orderId": order_id})
        assert response.status_code == 200, response.text
        return list(response.json()["payments"])

    def set_stock(self, sku: str, warehouse: str, on_hand: int) -> None:
        response = self.call(
            "PUT", "inventory", f"/api/inventory/{sku}/warehouses/{warehouse}",
            json={"onHand": on_hand},
        )  # fmt: skip
        assert response.status_code == 200, response.text


def elapsed_since(start: float) -> float:
    return time.monotonic() - start
