"""The Orders checkout over HTTP on a real sandbox, fed by real messages.

CheckoutInitiated is published straight to the ``critter.events`` exchange (as Shopping
would), so these tests do not depend on the Shopping service; Customer Identity is the
real one, reached by Orders through its Toxiproxy link. A tap queue bound to
``orders.#`` shows what Orders published through its outbox.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import aio_pika
import httpx
import pytest

from services.contracts.messages import (
    EXCHANGE,
    CartLine,
    CheckoutInitiated,
    Message,
    ReservationCommitted,
)
from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import admin_url

pytestmark = pytest.mark.sandbox

DEADLINE_S = 30.0
ITEMS = [
    CartLine(sku="DOG-BOWL-001", quantity=2, unit_price=Decimal("19.99")),
    CartLine(sku="CAT-TOY-LASER", quantity=1, unit_price=Decimal("21.99")),
]


_PORTS: dict[str, dict[str, int]] = {}


def port(sandbox: SandboxHandle, component: str) -> int:
    """A component's port (asked of ``sandbox status`` once per sandbox: it takes ~1 s)."""
    key = str(sandbox.state_dir)
    if key not in _PORTS:
        _PORTS[key] = {c["name"]: int(c["port"]) for c in sandbox.status()}
    return _PORTS[key][component]


def url(sandbox: SandboxHandle, service: str, path: str) -> str:
    return f"http://127.0.0.1:{port(sandbox, service)}{path}"


def publish(sandbox: SandboxHandle, message: Message) -> None:
    """Publish ``message`` persistently to the events exchange, as its source would."""

    async def run() -> None:
        connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(EXCHANGE)
            await exchange.publish(
                aio_pika.Message(
                    message.model_dump_json(by_alias=True).encode(),
                    message_id=str(uuid4()),
                    type=message.type_name(),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers={"x-source-service": message.SOURCE},
                ),
                routing_key=message.routing_key(),
            )

    asyncio.run(run())


class Tap:
    """A temporary queue bound to a routing-key pattern of the events exchange."""

    def __init__(self, sandbox: SandboxHandle, pattern: str) -> None:
        self._sandbox = sandbox
        self.queue = f"test-tap-{uuid4().hex[:12]}"
        self._run(self._declare(pattern))

    def _run(self, work: Any) -> Any:
        return asyncio.run(work)

    async def _channel(self) -> tuple[aio_pika.abc.AbstractConnection, Any]:
        connection = await aio_pika.connect(admin_url(self._sandbox), timeout=10)
        return connection, await connection.channel()

    async def _declare(self, pattern: str) -> None:
        connection, channel = await self._channel()
        async with connection:
            queue = await channel.declare_queue(self.queue, durable=False, auto_delete=False)
            await queue.bind(EXCHANGE, routing_key=pattern)

    def drain(self) -> list[tuple[str, dict[str, Any]]]:
        """Every (type, body) waiting in the tap, acknowledged."""

        async def run() -> list[tuple[str, dict[str, Any]]]:
            connection, channel = await self._channel()
            found = []
            async with connection:
                queue = await channel.get_queue(self.queue)
                while (message := await queue.get(no_ack=True, fail=False)) is not None:
                    found.append((message.type or "", json.loads(message.body)))
            return found

        return list(self._run(run()))

    def delete(self) -> None:
        async def run() -> None:
            connection, channel = await self._channel()
            async with connection:
                await channel.queue_delete(self.queue)

        self._run(run())


@pytest.fixture
def orders_tap(shared_sandbox: SandboxHandle) -> Iterator[Tap]:
    tap = Tap(shared_sandbox, "orders.#")
    try:
        yield tap
    finally:
        tap.delete()


def poll(check: Any, what: str, deadline_s: float = DEADLINE_S) -> Any:
    """Call ``check()`` until it returns something truthy; fail after the deadline."""
    end = time.monotonic() + deadline_s
    while not (result := check()):
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(0.1)
    return result


def new_customer(sandbox: SandboxHandle) -> tuple[UUID, UUID]:
    """A customer with one saved shipping address in Customer Identity: (customer, address)."""
    customer = httpx.post(
        url(sandbox, "identity", "/api/customers"),
        json={
            "email": f"orders-{uuid4().hex[:10]}@example.com",
            "firstName": "Olive",
            "lastName": "Orders",
            "password": "correct horse battery",
        },
        timeout=10,
    )
    assert customer.status_code == 201, customer.text
    customer_id = UUID(customer.json()["id"])
    address = httpx.post(
        url(sandbox, "identity", f"/api/customers/{customer_id}/addresses"),
        json={
            "type": "Shipping",
            "nickname": "Home",
            "addressLine1": "123 Main Street",
            "addressLine2": "Apt 4B",
            "city": "Seattle",
            "stateOrProvince": "WA",
            "postalCode": "98101",
            "country": "US",
        },
        timeout=10,
    )
    assert address.status_code == 201, address.text
    return customer_id, UUID(address.json()["id"])


def started_checkout(sandbox: SandboxHandle, customer_id: UUID | None) -> UUID:
    """Publish CheckoutInitiated and wait until Orders shows the checkout."""
    checkout_id = uuid4()
    publish(
        sandbox,
        CheckoutInitiated(
            checkout_id=checkout_id,
            cart_id=uuid4(),
            customer_id=customer_id,
            items=ITEMS,
            initiated_at=datetime.now(UTC),
        ),
    )
    checkout_url = url(sandbox, "orders", f"/api/checkouts/{checkout_id}")
    poll(lambda: httpx.get(checkout_url, timeout=5).status_code == 200, "the checkout to appear")
    return checkout_id


def test_a_checkout_goes_through_its_steps_to_a_placed_order(
    shared_sandbox: SandboxHandle, orders_tap: Tap
) -> None:
    customer_id, address_id = new_customer(shared_sandbox)
    assert httpx.get(url(shared_sandbox, "orders", f"/api/checkouts/{uuid4()}")).status_code == 404
    checkout_id = started_checkout(shared_sandbox, customer_id)
    base = url(shared_sandbox, "orders", f"/api/checkouts/{checkout_id}")
    with httpx.Client(timeout=10) as client:
        checkout = client.get(base).json()
        assert checkout["customerId"] == str(customer_id)
        assert checkout["subtotal"] == "61.97"

        address = client.put(f"{base}/shipping-address", json={"addressId": str(address_id)})
        assert address.status_code == 200, address.text
        assert address.json()["shippingAddress"]["addressLine2"] == "Apt 4B"
        method = client.put(f"{base}/shipping-method", json={"method": "Express", "cost": 12.99})
        assert method.json()["total"] == "74.96"
        token = client.put(f"{base}/payment-method", json={"token": "tok_visa_4242"})
        assert token.json()["hasPaymentMethod"] is True

        completed = client.post(f"{base}/complete")
        assert completed.status_code == 201, completed.text
        order_id = completed.json()["orderId"]
        assert completed.headers["location"] == f"/api/orders/{order_id}"
        again = client.post(f"{base}/complete")
        assert (again.status_code, again.json()["orderId"]) == (200, order_id)
        assert client.put(f"{base}/payment-method", json={"token": "t"}).status_code == 400

        order = client.get(url(shared_sandbox, "orders", f"/api/orders/{order_id}")).json()
        assert order["totalAmount"] == "74.96"
        assert order["history"][0]["status"] == "Placed"
        listing = client.get(
            url(shared_sandbox, "orders", "/api/orders"), params={"customerId": str(customer_id)}
        ).json()
        assert [summary["orderId"] for summary in listing["orders"]] == [order_id]

    published: list[tuple[str, dict[str, Any]]] = []

    def about_order(kind: str) -> list[dict[str, Any]]:
        return [body for k, body in published if k == kind and body["orderId"] == order_id]

    def both_sent() -> bool:
        published.extend(orders_tap.drain())
        return bool(about_order("OrderPlaced") and about_order("OrderStatusChanged"))

    poll(both_sent, "OrderPlaced and OrderStatusChanged from the outbox")
    (announcement,) = about_order("OrderPlaced")
    assert announcement["totalAmount"] == "74.96"
    assert announcement["shippingAddress"]["city"] == "Seattle"
    assert announcement["paymentMethodToken"] == "tok_visa_4242"
    assert about_order("OrderStatusChanged")[0]["newStatus"] == "Placed"


def test_complete_in_one_call_with_the_rules_enforced(shared_sandbox: SandboxHandle) -> None:
    customer_id, address_id = new_customer(shared_sandbox)
    _, strangers_address = new_customer(shared_sandbox)
    checkout_id = started_checkout(shared_sandbox, customer_id)
    complete = url(shared_sandbox, "orders", f"/api/checkouts/{checkout_id}/complete")
    one_call = {
        "addressId": str(address_id),
        "shippingMethod": "Standard",
        "paymentMethodToken": "tok_visa_4242",
    }
    with httpx.Client(timeout=10) as client:
        for body, status in [
            ({**one_call, "addressId": str(strangers_address)}, 403),
            ({**one_call, "addressId": str(uuid4())}, 400),
            ({**one_call, "shippingMethod": "Teleport"}, 400),
            ({**one_call, "shippingCost": "0.99"}, 400),
            ({"shippingMethod": "Standard"}, 400),
        ]:
            answer = client.post(complete, json=body)
            assert answer.status_code == status, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        done = client.post(complete, json=one_call)
        assert done.status_code == 201, done.text
        order = client.get(url(shared_sandbox, "orders", done.headers["location"])).json()
        assert order["shippingMethod"] == "Standard"
        assert order["totalAmount"] == "67.96"


def test_an_anonymous_checkout_is_visible_but_cannot_be_ordered(
    shared_sandbox: SandboxHandle,
) -> None:
    checkout_id = started_checkout(shared_sandbox, None)
    base = url(shared_sandbox, "orders", f"/api/checkouts/{checkout_id}")
    inline = {
        "addressLine1": "1 Road",
        "city": "Portland",
        "stateOrProvince": "OR",
        "postalCode": "97201",
        "country": "us",
    }
    with httpx.Client(timeout=10) as client:
        assert client.put(f"{base}/shipping-address", json={"address": inline}).status_code == 200
        assert client.get(base).json()["shippingAddress"]["country"] == "US"
        refused = client.post(
            f"{base}/complete", json={"shippingMethod": "Standard", "paymentMethodToken": "tok"}
        )
        assert refused.status_code == 400
        assert "sign in" in refused.json()["detail"]


def test_bad_ids_are_400_and_unknown_orders_404(shared_sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=url(shared_sandbox, "orders", ""), timeout=10) as client:
        assert client.get("/api/orders/not-a-uuid").status_code == 400
        assert client.get("/api/checkouts/not-a-uuid").status_code == 400
        assert client.get("/api/orders").status_code == 400
        assert client.get(f"/api/orders/{uuid4()}").status_code == 404


def test_a_message_about_an_unknown_order_is_dead_lettered(shared_sandbox: SandboxHandle) -> None:
    order_id = uuid4()
    publish(shared_sandbox, ReservationCommitted(order_id=order_id, committed_at=datetime.now(UTC)))

    async def take_dead_letter() -> bool:
        """Acknowledge (remove) our message if it is there; leave every other one queued."""
        connection = await aio_pika.connect(admin_url(shared_sandbox), timeout=10)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue("orders.dead-letter")
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                if str(order_id) in message.body.decode():
                    assert "unknown order" in str(message.headers.get("x-error"))
                    await message.ack()
                    return True
            return False  # the others return to the queue when the channel closes

    poll(lambda: asyncio.run(take_dead_letter()), "the message in orders.dead-letter")
