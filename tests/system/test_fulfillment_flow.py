"""Fulfillment on a real sandbox: a requested shipment runs to Delivered by itself.

The test plays Orders: it publishes ``FulfillmentRequested`` straight to
``critter.events`` with the RabbitMQ admin user, listens to ``fulfillment.*`` on a
queue of its own, and reads shipments over HTTP and, as an operator would, in
Fulfillment's database (where it also plants shipments in a given state to drive
the manual endpoints without racing the autopilot).

Orders consumes the shipment events too and dead-letters those of orders it never
placed; ``orders_dead_letters_cleaned`` takes exactly ours out again so the shared
sandbox's dead-letter queues stay empty for other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest

from services.contracts.messages import EXCHANGE, Address, CartLine, FulfillmentRequested
from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import admin_url

pytestmark = pytest.mark.sandbox

CEILING_S = 90.0
DELIVERY_DEADLINE_S = 20.0
ADDRESS = {
    "addressLine1": "123 Main Street",
    "addressLine2": "Apt 4B",
    "city": "Seattle",
    "stateOrProvince": "WA",
    "postalCode": "98101",
    "country": "US",
}


@dataclass
class Warehouse:
    """The test's view of Fulfillment: AMQP in and out, HTTP and SQL to read."""

    exchange: aio_pika.abc.AbstractExchange
    connection: aio_pika.abc.AbstractConnection
    tap: aio_pika.abc.AbstractQueue
    http: httpx.AsyncClient
    db: Any
    orders: set[uuid.UUID] = field(default_factory=set)
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def request(self, order_id: uuid.UUID, *, message_id: str | None = None) -> str:
        """Publish a FulfillmentRequested for ``order_id``; returns its message id."""
        self.orders.add(order_id)
        message = FulfillmentRequested(
            order_id=order_id,
            customer_id=uuid.uuid4(),
            shipping_address=Address.model_validate(ADDRESS),
            line_items=[CartLine(sku="DOG-BOWL-001", quantity=2, unit_price=Decimal("19.99"))],
            shipping_method="Standard",
            requested_at=datetime.now(UTC),
        )
        message_id = message_id or str(uuid.uuid4())
        await self.exchange.publish(
            aio_pika.Message(
                message.model_dump_json(by_alias=True).encode(),
                message_id=message_id,
                type=message.type_name(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=message.routing_key(),
        )
        return message_id

    async def announced(self, order_id: uuid.UUID, kind: str) -> dict[str, Any]:
        """The first ``kind`` message about ``order_id`` (waiting for it, bounded)."""
        async with asyncio.timeout(DELIVERY_DEADLINE_S):
            while True:
                for seen_kind, body in self.seen:
                    if seen_kind == kind and body["orderId"] == str(order_id):
                        return body
                message = await self._next()
                self.seen.append((str(message.type), json.loads(message.body)))

    def count(self, order_id: uuid.UUID, kind: str) -> int:
        return sum(k == kind and b["orderId"] == str(order_id) for k, b in self.seen)

    async def plant(self, status: str, **columns: Any) -> uuid.UUID:
        """Insert a shipment in ``status`` with nothing scheduled; returns its id."""
        shipment_id, order_id = uuid.uuid4(), uuid.uuid4()
        self.orders.add(order_id)
        await self.db.execute(
            "INSERT INTO shipments (shipment_id, order_id, customer_id, address, lines,"
            " shipping_method, status, warehouse_id, carrier, tracking_number, created_at)"
            " VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, 'Standard', $6, $7, $8, $9, now())",
            shipment_id,
            order_id,
            uuid.uuid4(),
            json.dumps(ADDRESS),
            json.dumps([{"sku": "CAT-TREE-5FT", "quantity": 1}]),
            status,
            columns.get("warehouse_id"),
            columns.get("carrier"),
            columns.get("tracking_number"),
        )
        return shipment_id

    async def _next(self) -> aio_pika.abc.AbstractIncomingMessage:
        while (message := await self.tap.get(no_ack=True, fail=False)) is None:
            await asyncio.sleep(0.02)
        return message


def run(sandbox: SandboxHandle, scenario: Callable[[Warehouse], Awaitable[None]]) -> None:
    async def main() -> None:
        async with asyncio.timeout(CEILING_S), warehouse_of(sandbox) as warehouse:
            try:
                await scenario(warehouse)
            finally:
                await orders_dead_letters_cleaned(warehouse)

    asyncio.run(main())


@asynccontextmanager
async def warehouse_of(sandbox: SandboxHandle) -> AsyncIterator[Warehouse]:
    base, secrets = sandbox.port_base, sandbox.secrets()
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    db = await asyncpg.connect(
        host="127.0.0.1",
        port=base + 1,
        user="fulfillment",
        password=secrets["postgres/fulfillment"],
        database="fulfillment",
    )
    try:
        async with (
            connection,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{base + 24}", timeout=10) as http,
        ):
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(EXCHANGE)
            tap = await channel.declare_queue(exclusive=True)
            await tap.bind(exchange, "fulfillment.#")
            yield Warehouse(exchange, connection, tap, http, db)
    finally:
        await db.close()


async def orders_dead_letters_cleaned(warehouse: Warehouse) -> None:
    """Take the dead letters Orders made of our shipment events out of its queue: wait
    (bounded) until each one we saw is parked there, ack ours and requeue the rest."""
    ours = sum(uuid.UUID(body["orderId"]) in warehouse.orders for _, body in warehouse.seen)
    channel = await warehouse.connection.channel()
    try:
        queue = await channel.declare_queue("orders.dead-letter", passive=True)
    except aio_pika.exceptions.ChannelClosed:
        return  # Orders declared no dead-letter queue: nothing to clean
    taken: list[aio_pika.abc.AbstractIncomingMessage] = []
    deadline = time.monotonic() + 10
    while sum(_order_of(m) in warehouse.orders for m in taken) < ours:
        if time.monotonic() > deadline:
            break  # Orders may not consume shipment events (yet)
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            await asyncio.sleep(0.05)
        else:
            taken.append(message)
    for message in taken:
        if _order_of(message) in warehouse.orders:
            await message.ack()
        else:
            await message.nack(requeue=True)
    await channel.close()


def _order_of(message: aio_pika.abc.AbstractIncomingMessage) -> uuid.UUID | None:
    with contextlib.suppress(ValueError, KeyError, TypeError):
        return uuid.UUID(json.loads(message.body)["orderId"])
    return None


def test_a_requested_shipment_is_dispatched_and_delivered_once(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario(warehouse: Warehouse) -> None:
        order_id = uuid.uuid4()
        started = time.monotonic()
        message_id = await warehouse.request(order_id)
        await warehouse.request(order_id, message_id=message_id)  # a redelivery
        await warehouse.request(order_id)  # a republished request: new id, same order

        dispatched = await warehouse.announced(order_id, "ShipmentDispatched")
        delivered = await warehouse.announced(order_id, "ShipmentDelivered")
        assert time.monotonic() - started < 10  # defaults: ~0.2 s + ~0.5 s, plus transport
        shipment = (
            await warehouse.http.get("/api/shipments", params={"orderId": str(order_id)})
        ).json()
        assert shipment["status"] == "Delivered"
        assert shipment["shipmentId"] == dispatched["shipmentId"] == delivered["shipmentId"]
        assert (shipment["carrier"], shipment["trackingNumber"]) == (
            dispatched["carrier"],
            dispatched["trackingNumber"],
        )
        assert shipment["warehouseId"] in {"WH-01", "WH-02"}
        assert shipment["lineItems"] == [{"sku": "DOG-BOWL-001", "quantity": 2}]
        assert shipment["shippingAddress"] == ADDRESS
        by_id = await warehouse.http.get(f"/api/shipments/{shipment['shipmentId']}")
        assert by_id.json() == shipment

        # Behind a barrier (a later order delivered), still one shipment and one of each event.
        barrier = uuid.uuid4()
        await warehouse.request(barrier)
        await warehouse.announced(barrier, "ShipmentDelivered")
        count = await warehouse.db.fetchval(
            "SELECT count(*) FROM shipments WHERE order_id = $1", order_id
        )
        assert count == 1
        assert warehouse.count(order_id, "ShipmentDispatched") == 1
        assert warehouse.count(order_id, "ShipmentDelivered") == 1

    run(shared_sandbox, scenario)


def test_manual_steps_follow_the_state_machine(shared_sandbox: SandboxHandle) -> None:
    async def scenario(warehouse: Warehouse) -> None:
        http = warehouse.http
        pending = await warehouse.plant("Pending")
        assigned = await http.post(
            f"/api/shipments/{pending}/assign", json={"warehouseId": "WH-07"}
        )
        assert assigned.status_code == 200, assigned.text
        assert (assigned.json()["status"], assigned.json()["warehouseId"]) == ("Assigned", "WH-07")
        twice = await http.post(f"/api/shipments/{pending}/assign", json={"warehouseId": "WH-08"})
        assert twice.status_code == 409
        assert "not Pending" in twice.json()["detail"]

        ready = await warehouse.plant("Assigned", warehouse_id="WH-01")
        body = {"carrier": "Critter Courier", "trackingNumber": "CC-123"}
        shipped = await http.post(f"/api/shipments/{ready}/dispatch", json=body)
        assert shipped.status_code == 200, shipped.text
        order_id = uuid.UUID(shipped.json()["orderId"])
        announced = await warehouse.announced(order_id, "ShipmentDispatched")
        assert (announced["carrier"], announced["trackingNumber"]) == ("Critter Courier", "CC-123")

        on_the_way = await warehouse.plant(
            "Shipped", warehouse_id="WH-01", carrier="UPS", tracking_number="1Z"
        )
        confirmed = await http.post(
            f"/api/shipments/{on_the_way}/confirm-delivery", json={"recipientName": "Alice"}
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "Delivered"
        delivered = await warehouse.announced(
            uuid.UUID(confirmed.json()["orderId"]), "ShipmentDelivered"
        )
        assert delivered["recipientName"] == "Alice"

        for step, step_body in (
            ("assign", {"warehouseId": "WH-01"}),
            ("dispatch", body),
            ("confirm-delivery", None),
        ):
            refused = await http.post(f"/api/shipments/{on_the_way}/{step}", json=step_body)
            assert refused.status_code == 409, (step, refused.text)
            assert "Delivered" in refused.json()["detail"]

        # The manual steps handed both earlier shipments back to the autopilot.
        for moved in (pending, ready):
            await until_delivered(http, moved)
            seen = (await http.get(f"/api/shipments/{moved}")).json()
            await warehouse.announced(uuid.UUID(seen["orderId"]), "ShipmentDelivered")

    run(shared_sandbox, scenario)


async def until_delivered(http: httpx.AsyncClient, shipment_id: uuid.UUID) -> None:
    async with asyncio.timeout(DELIVERY_DEADLINE_S):
        while (await http.get(f"/api/shipments/{shipment_id}")).json()["status"] != "Delivered":
            await asyncio.sleep(0.05)


def test_shipment_endpoints_refuse_bad_input(shared_sandbox: SandboxHandle) -> None:
    async def scenario(warehouse: Warehouse) -> None:
        unknown = uuid.uuid4()
        cases: list[tuple[str, str, Any, int, str]] = [
            ("GET", f"/api/shipments/{unknown}", None, 404, "not found"),
            ("GET", "/api/shipments/not-a-uuid", None, 400, "UUID"),
            ("GET", f"/api/shipments?orderId={unknown}", None, 404, "no shipment"),
            ("GET", "/api/shipments", None, 400, "orderId"),
            (
                "POST",
                f"/api/shipments/{unknown}/assign",
                {"warehouseId": "WH-01"},
                404,
                "not found",
            ),
            ("POST", f"/api/shipments/{unknown}/assign", {}, 400, "warehouseId"),
            ("POST", f"/api/shipments/{unknown}/assign", {"warehouseId": ""}, 400, "warehouseId"),
            (
                "POST",
                f"/api/shipments/{unknown}/dispatch",
                {"carrier": "UPS"},
                400,
                "trackingNumber",
            ),
            (
                "POST",
                f"/api/shipments/{unknown}/confirm-delivery",
                {"recipient": "x"},
                400,
                "recipient",
            ),
        ]
        for method, path, body, expected, reason in cases:
            answer = await warehouse.http.request(method, path, json=body)
            assert answer.status_code == expected, (method, path, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert reason in answer.json()["detail"], (path, answer.json())

    run(shared_sandbox, scenario)
