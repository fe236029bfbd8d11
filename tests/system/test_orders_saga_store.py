"""The Orders SQL on the sandbox's real PostgreSQL, and the durable saga deadline.

The store contract runs inside one transaction that is rolled back, so the running
Orders service never sees its rows. The deadline test commits an order placed an hour
ago and watches the running service cancel it: the deadline lives in the database,
not in any process's memory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from services.contracts.messages import Address
from services.orders.checkout import Checkout, ShippingChoice
from services.orders.checkout_store import PostgresCheckoutStore
from services.orders.order import HistoryEntry, Order, OrderLine, OrderStatus
from services.orders.order_store import PostgresOrderStore
from services.orders.saga_census import read_census
from tests.sandbox_control import SandboxHandle
from tests.system.test_orders_checkout import Tap, poll, port, url

pytestmark = pytest.mark.sandbox

ADDRESS = Address(
    address_line1="1 Road",
    city="Seattle",
    state_or_province="WA",
    postal_code="98101",
    country="US",
)


def an_order(placed_at: datetime, customer: Any = None, **state: Any) -> Order:
    return Order(
        id=uuid4(),
        checkout_id=uuid4(),
        customer_id=customer or uuid4(),
        lines=(OrderLine("DOG-BOWL-001", 2, Decimal("19.99")),),
        shipping_address=ADDRESS,
        shipping_method="Standard",
        shipping_cost=Decimal("5.99"),
        payment_token="tok_visa_4242",
        placed_at=placed_at,
        updated_at=placed_at,
        **state,
    )


def with_orders_db(
    sandbox: SandboxHandle, work: Callable[[Any], Coroutine[Any, Any, None]]
) -> None:
    """Run ``work(connect)`` where ``connect()`` opens a connection to the orders database
    with the codecs the service uses (jsonb <-> Python, decimals as strings)."""

    async def connect() -> Any:
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=port(sandbox, "postgres"),
            user="orders",
            password=sandbox.secrets()["postgres/orders"],
            database="orders",
        )
        for name in ("json", "jsonb"):
            await conn.set_type_codec(
                name,
                encoder=lambda value: json.dumps(value, default=str),
                decoder=json.loads,
                schema="pg_catalog",
            )
        return conn

    asyncio.run(work(connect))


def test_the_stores_round_trip_and_lock_as_the_saga_needs(shared_sandbox: SandboxHandle) -> None:
    async def work(connect: Callable[[], Awaitable[Any]]) -> None:
        conn = await connect()
        try:
            transaction = conn.transaction()
            await transaction.start()
            checkouts, orders = PostgresCheckoutStore(conn), PostgresOrderStore(conn)
            now = await conn.fetchval("SELECT now()")

            checkout = Checkout(
                uuid4(), uuid4(), uuid4(), (OrderLine("X", 1, Decimal("2.50")),), now
            )
            assert await checkouts.open(checkout)
            assert not await checkouts.open(checkout)
            edited = checkout.with_address(ADDRESS).with_shipping(
                ShippingChoice.priced("Express", None)
            )
            await checkouts.save(edited)
            assert await checkouts.get(checkout.id, lock=True) == edited

            customer = uuid4()
            old = an_order(now - timedelta(hours=1), customer)
            young = an_order(now, customer)
            settled = an_order(now - timedelta(hours=2), customer, is_commit_requested=True)
            for order in (old, young, settled):
                await orders.add(order, [HistoryEntry(OrderStatus.PLACED, order.placed_at)])
            assert await orders.lock(old.id) == old

            reserved = HistoryEntry(OrderStatus.INVENTORY_RESERVED, now, "why not")
            moved = dataclasses.replace(
                old, status=OrderStatus.INVENTORY_RESERVED, is_inventory_reserved=True
            )
            await orders.save(moved, [reserved])
            record = await orders.record(old.id)
            assert record is not None
            assert record.order == moved
            assert [e.status for e in record.history] == [
                OrderStatus.PLACED,
                OrderStatus.INVENTORY_RESERVED,
            ]
            assert record.history[1].reason == "why not"

            page = await orders.for_customer(customer, page=1, page_size=2)
            assert page.total_count == 3
            assert [o.id for o in page.orders] == [young.id, old.id]
            beyond = await orders.for_customer(customer, page=5, page_size=2)
            assert (beyond.orders, beyond.total_count) == ((), 3)

            overdue = await orders.lock_overdue(timedelta(minutes=30), limit=1000)
            assert [o.id for o in overdue if o.customer_id == customer] == [old.id]
        finally:
            await conn.close()  # closing the connection rolls the transaction back

    with_orders_db(shared_sandbox, work)


def test_the_census_counts_as_stuck_only_waiting_sagas_that_have_not_moved(
    shared_sandbox: SandboxHandle,
) -> None:
    async def work(connect: Callable[[], Awaitable[Any]]) -> None:
        conn = await connect()
        try:
            # One snapshot for both counts, so the running service cannot change the
            # figures in between; only this transaction's own rows make the difference.
            await conn.transaction(isolation="repeatable_read").start()
            now = await conn.fetchval("SELECT now()")
            hour_ago, threshold = now - timedelta(hours=1), timedelta(minutes=30)
            before = await read_census(conn, threshold)
            orders = PostgresOrderStore(conn)
            cases = {
                "reserved, waiting for payment": (an_order(hour_ago,
                    status=OrderStatus.INVENTORY_RESERVED, is_inventory_reserved=True), True),
                "commit and capture requested, never answered": (an_order(hour_ago,
                    status=OrderStatus.PAYMENT_AUTHORIZED, is_commit_requested=True), True),
                "cancelled, void not answered": (an_order(hour_ago,
                    status=OrderStatus.CANCELLED, is_void_requested=True), True),
                "cancelled, release answered": (an_order(hour_ago, status=OrderStatus.CANCELLED,
                    is_release_requested=True, is_inventory_released=True), False),
                "confirmed long ago": (an_order(hour_ago, status=OrderStatus.CONFIRMED), False),
                "placed just now": (an_order(now), False),
                "placed long ago, moved a minute ago": (dataclasses.replace(
                    an_order(hour_ago), updated_at=now - timedelta(minutes=1)), False),
            }  # fmt: skip
            for order, _stuck in cases.values():
                await orders.add(order, [HistoryEntry(order.status, order.placed_at)])
            after = await read_census(conn, threshold)
            assert after.stuck - before.stuck == sum(stuck for _o, stuck in cases.values())
            added = {s: after.by_status.get(s, 0) - before.by_status.get(s, 0) for s in OrderStatus}
            assert added[OrderStatus.CANCELLED] == 2
            assert added[OrderStatus.PLACED] == 2
        finally:
            await conn.close()  # closing the connection rolls the transaction back

    with_orders_db(shared_sandbox, work)


def test_an_overdue_order_is_cancelled_by_the_running_service(
    shared_sandbox: SandboxHandle,
) -> None:
    tap = Tap(shared_sandbox, "orders.OrderStatusChanged")
    order = an_order(datetime.now(UTC) - timedelta(hours=1))
    try:

        async def insert(connect: Callable[[], Awaitable[Any]]) -> None:
            conn = await connect()
            try:
                async with conn.transaction():
                    entry = HistoryEntry(OrderStatus.PLACED, order.placed_at)
                    await PostgresOrderStore(conn).add(order, [entry])
            finally:
                await conn.close()

        with_orders_db(shared_sandbox, insert)
        order_url = url(shared_sandbox, "orders", f"/api/orders/{order.id}")

        def cancelled() -> dict[str, Any] | None:
            body: dict[str, Any] = httpx.get(order_url, timeout=5).json()
            return body if body["status"] == "Cancelled" else None

        body = poll(cancelled, "the saga deadline to cancel the order")
        assert body["cancelReason"] == "timeout"
        assert [e["status"] for e in body["history"]] == ["Placed", "Cancelled"]

        def announced() -> list[dict[str, Any]]:
            return [m for _, m in tap.drain() if m["orderId"] == str(order.id)]

        (change,) = poll(announced, "OrderStatusChanged(Cancelled)")
        assert (change["newStatus"], change["reason"]) == ("Cancelled", "timeout")
        metrics = httpx.get(url(shared_sandbox, "orders", "/metrics"), timeout=5).text
        count = next(
            line for line in metrics.splitlines() if line.startswith("orders_saga_timeouts_total")
        )
        assert float(count.split()[-1]) >= 1
    finally:
        tap.delete()
