"""The Storefront's live streams on a real sandbox: authentication, isolation, replay.

Events are produced the way the shop produces them: OrderStatusChanged is published to
the ``critter.events`` exchange (as Orders would), the Storefront's inbox consumer
stores it and announces it with NOTIFY, and the stream sends it. Customers are fresh
random ids (tokens signed with the sandbox's key), so other tests sharing the sandbox
cannot add events to these streams; one test signs in a seeded customer and shops.

Isolation is judged with markers: once a stream has shown its own first event, a
second one is published for each customer and awaited. The listener hands events to
the streams in commit order, so an event of another customer committed before the
marker would have been written to the stream before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import aio_pika
import httpx
import pytest

from services.contracts.messages import EXCHANGE, Message, OrderStatusChanged
from services.kernel.auth import issue_token
from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import admin_url
from tests.tokens import tampered

pytestmark = pytest.mark.sandbox

DEADLINE_S = 30.0


@dataclass
class Shop:
    """How a test reaches one sandbox's Storefront."""

    base_url: str
    signing_key: str
    amqp_url: str

    @classmethod
    def of(cls, sandbox: SandboxHandle) -> Shop:
        port = next(c["port"] for c in sandbox.status() if c["name"] == "storefront")
        return cls(
            base_url=f"http://127.0.0.1:{port}",
            signing_key=sandbox.secrets()["auth/signing-key"],
            amqp_url=admin_url(sandbox),
        )

    def token(self, customer: UUID, *, ago: timedelta = timedelta(0)) -> str:
        issued = datetime.now(UTC) - ago
        return issue_token(customer, self.signing_key, now=issued, ttl=timedelta(hours=1))

    async def publish(self, *messages: Message) -> None:
        connection = await aio_pika.connect(self.amqp_url, timeout=10)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(EXCHANGE)
            for message in messages:
                body = message.model_dump_json(by_alias=True).encode()
                await exchange.publish(
                    aio_pika.Message(
                        body,
                        message_id=str(uuid4()),
                        type=message.type_name(),
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=message.routing_key(),
                )


@pytest.fixture(scope="module")
def shop(shared_sandbox: SandboxHandle) -> Shop:
    return Shop.of(shared_sandbox)


def status_changed(customer: UUID, status: str) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=uuid4(), customer_id=customer, new_status=status, occurred_at=datetime.now(UTC)
    )


@dataclass
class Stream:
    """The events one SSE client has read so far."""

    events: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def statuses(self) -> list[str]:
        return [e["data"].get("newStatus", "") for e in self.events]

    def customers(self) -> set[str]:
        return {e["data"]["customerId"] for e in self.events}

    async def until(self, condition: Callable[[Stream], bool], what: str) -> None:
        try:
            async with asyncio.timeout(DEADLINE_S):
                while not condition(self):
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise AssertionError(f"no {what} within {DEADLINE_S} s; saw {self.events}") from None


@contextlib.asynccontextmanager
async def listening(
    shop: Shop, customer: UUID, *, last_event_id: int | None = None
) -> AsyncIterator[Stream]:
    """An open stream of ``customer`` (token in the query, as EventSource sends it)."""
    stream = Stream()
    params = {"access_token": shop.token(customer)}
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    timeout = httpx.Timeout(10.0, read=None)
    async with (
        httpx.AsyncClient(base_url=shop.base_url, timeout=timeout) as client,
        client.stream("GET", "/sse/storefront", params=params, headers=headers) as answer,
    ):
        assert answer.status_code == 200, await answer.aread()
        reader = asyncio.create_task(_read(answer, stream))
        try:
            yield stream
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _read(answer: httpx.Response, stream: Stream) -> None:
    event: dict[str, Any] = {}
    async for line in answer.aiter_lines():
        if line.startswith("id: "):
            event["id"] = int(line[4:])
        elif line.startswith("event: "):
            event["type"] = line[7:]
        elif line.startswith("data: "):
            event["data"] = json.loads(line[6:])
        elif not line and "data" in event:
            stream.events.append(event)
            stream.changed.set()
            event = {}


def run(work: Any) -> None:
    asyncio.run(work)


def test_a_stream_needs_a_genuine_unexpired_token(shop: Shop) -> None:
    customer = uuid4()
    with httpx.Client(base_url=shop.base_url, timeout=10) as client:
        assert client.get("/sse/storefront").status_code == 401
        forged = tampered(shop.token(customer))
        assert client.get("/sse/storefront", params={"access_token": forged}).status_code == 401
        expired = shop.token(customer, ago=timedelta(hours=2))
        answer = client.get("/sse/storefront", headers={"Authorization": f"Bearer {expired}"})
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        stranger = client.get(f"/sse/storefront?customerId={customer}")
        assert stranger.status_code == 401  # a query parameter names nobody


def test_another_customers_stream_is_refused(shop: Shop) -> None:
    me, someone = uuid4(), uuid4()
    auth = {"Authorization": f"Bearer {shop.token(me)}"}
    with httpx.Client(base_url=shop.base_url, timeout=10) as client:
        answer = client.get(f"/sse/storefront/customers/{someone}", headers=auth)
        assert answer.status_code == 403
        with client.stream("GET", f"/sse/storefront/customers/{me}", headers=auth) as own:
            assert own.status_code == 200
            assert own.headers["content-type"].startswith("text/event-stream")


def test_two_customers_connected_at_once_each_see_only_their_own_events(shop: Shop) -> None:
    alice, bob = uuid4(), uuid4()

    async def scenario() -> None:
        async with listening(shop, alice) as alices, listening(shop, bob) as bobs:
            await shop.publish(status_changed(alice, "Placed"), status_changed(bob, "Placed"))
            await alices.until(lambda s: s.statuses() == ["Placed"], "Placed on alice's stream")
            await bobs.until(lambda s: s.statuses() == ["Placed"], "Placed on bob's stream")
            await shop.publish(status_changed(alice, "Confirmed"), status_changed(bob, "Confirmed"))
            await alices.until(lambda s: "Confirmed" in s.statuses(), "alice's marker")
            await bobs.until(lambda s: "Confirmed" in s.statuses(), "bob's marker")
        assert alices.customers() == {str(alice)}
        assert bobs.customers() == {str(bob)}
        assert alices.statuses() == ["Placed", "Confirmed"]
        assert bobs.statuses() == ["Placed", "Confirmed"]
        assert all(e["type"] == "order-status-changed" for e in alices.events + bobs.events)

    run(scenario())


def test_a_reconnecting_client_gets_what_it_missed_and_nothing_twice(shop: Shop) -> None:
    customer = uuid4()

    async def scenario() -> None:
        async with listening(shop, customer) as watcher:  # stays connected throughout
            async with listening(shop, customer) as first:
                await shop.publish(status_changed(customer, "Placed"))
                await first.until(lambda s: len(s.events) == 1, "the first event")
            seen = first.events[-1]["id"]
            await shop.publish(status_changed(customer, "PaymentAuthorized"))
            await shop.publish(status_changed(customer, "InventoryReserved"))
            await watcher.until(lambda s: len(s.events) == 3, "the events missed meanwhile")
            async with listening(shop, customer, last_event_id=seen) as second:
                await second.until(lambda s: len(s.events) == 2, "the replay")
                await shop.publish(status_changed(customer, "Confirmed"))
                await second.until(lambda s: len(s.events) == 3, "the live event")
        # the two missed events may be handled in either order; ids follow commit order
        missed = set(second.statuses()[:2])
        assert missed == {"PaymentAuthorized", "InventoryReserved"}
        assert second.statuses()[2] == "Confirmed"
        ids = [e["id"] for e in second.events]
        assert ids == sorted(ids)
        assert ids[0] > seen
        assert [e["id"] for e in watcher.events] == [seen, *ids]

    run(scenario())


def test_shopping_through_the_storefront_updates_the_cart_live(shop: Shop) -> None:
    email = "customer1987@example.com"

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=shop.base_url, timeout=10) as client:
            login = await client.post(
                "/api/storefront/login", json={"email": email, "password": "critter-pass-1987"}
            )
            assert login.status_code == 200, login.text
            customer = UUID(login.json()["customerId"])
            auth = {"Authorization": f"Bearer {login.json()['token']}"}
            async with listening(shop, customer) as stream:
                added = await client.post(
                    "/api/storefront/cart/items",
                    json={"sku": "BIRD-TOY-SWING", "quantity": 2},
                    headers=auth,
                )
                assert added.status_code == 200, added.text
                cart = added.json()
                await stream.until(
                    lambda s: any(e["data"].get("cartId") == cart["cartId"] for e in s.events),
                    "cart-updated",
                )
                removed = await client.delete(
                    "/api/storefront/cart/items/BIRD-TOY-SWING", headers=auth
                )
                assert removed.status_code == 200, removed.text
                await stream.until(
                    lambda s: s.events[-1]["data"]["totalAmount"] == removed.json()["totalAmount"],
                    "the cart's new total",
                )
            update = next(e for e in stream.events if e["data"]["cartId"] == cart["cartId"])
            assert update["type"] == "cart-updated"
            assert update["data"]["customerId"] == str(customer)

    run(scenario())


def test_the_global_sse_defect_makes_the_leak_observable(new_sandbox: SandboxHandle) -> None:
    new_sandbox.cli("up", "--port-base", str(new_sandbox.port_base), "--defect", "global-sse")
    leaky = Shop.of(new_sandbox)
    alice, bob = uuid4(), uuid4()

    async def scenario() -> None:
        async with listening(leaky, alice) as alices, listening(leaky, bob) as bobs:
            await leaky.publish(status_changed(alice, "Placed"))
            await alices.until(lambda s: s.statuses() == ["Placed"], "alice's own event")
            await bobs.until(lambda s: str(alice) in s.customers(), "alice's event on bob's stream")

    run(scenario())


def test_events_missed_across_a_storefront_restart_are_replayed_after_it(
    shop: Shop, shared_sandbox: SandboxHandle
) -> None:
    """Replay and isolation hold across a restart: what was stored before it, or waited in
    the inbox while it happened, is replayed by the new process on `Last-Event-ID`."""
    customer, stranger = uuid4(), uuid4()

    async def scenario() -> Stream:
        async with listening(shop, customer) as first:
            await shop.publish(status_changed(customer, "Placed"))
            await first.until(lambda s: len(s.events) == 1, "the first event")
        seen = int(first.events[-1]["id"])
        await shop.publish(status_changed(customer, "PaymentAuthorized"))  # missed, then restart
        restart = asyncio.create_task(
            asyncio.to_thread(shared_sandbox.cli, "restart", "storefront")
        )
        await shop.publish(
            status_changed(stranger, "Placed"), status_changed(customer, "Confirmed")
        )
        await restart
        async with listening(shop, customer, last_event_id=seen) as again:
            await again.until(lambda s: len(s.events) == 2, "the events missed around the restart")
            await shop.publish(status_changed(customer, "Shipped"))
            await again.until(lambda s: len(s.events) == 3, "a live event after the restart")
        assert all(event["id"] > seen for event in again.events)
        return again

    again = asyncio.run(scenario())
    assert set(again.statuses()[:2]) == {"PaymentAuthorized", "Confirmed"}
    assert again.statuses()[2] == "Shipped"
    assert again.customers() == {str(customer)}, "a stranger's event crossed the restart"
