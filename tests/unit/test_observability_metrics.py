"""What ``/metrics`` reports: HTTP series by route template, and the gauges read from the
database right before a scrape (outbox backlog, the order saga census), also while the
database is down. A fake pool answers the two scrape queries; no server is started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, cast
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from prometheus_client import CollectorRegistry

from services.kernel.bus import Broker
from services.kernel.db import Database
from services.kernel.errors import BrokerUnavailable, ConfigurationError, DatabaseUnavailable
from services.kernel.messaging import Messaging
from services.kernel.messaging.schema import OUTBOX_BACKLOG
from services.kernel.metrics import MetricsMiddleware, ServiceMetrics
from services.kernel.runtime import ServiceRuntime
from services.kernel.settings import ServiceSettings
from services.orders.metrics import OrdersMetrics
from services.orders.order import OrderStatus
from services.orders.saga_census import CENSUS, CENSUS_STATUSES, census_of, saga_census_gauges
from services.orders.settings import load_orders_settings

SAGA_TIMEOUT = timedelta(seconds=300)


def sample(metrics: ServiceMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


# -- HTTP series ---------------------------------------------------------------------------


def test_requests_to_one_templated_route_are_one_series_per_status() -> None:
    metrics = ServiceMetrics()
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/api/orders/{order_id}")
    async def order(order_id: UUID) -> dict[str, str]:
        if order_id.int == 0:
            raise HTTPException(status_code=404)
        return {"id": str(order_id)}

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
            for order_id in (UUID(int=1), UUID(int=2), UUID(int=3)):
                assert (await client.get(f"/api/orders/{order_id}")).status_code == 200
            assert (await client.get(f"/api/orders/{UUID(int=0)}")).status_code == 404
            assert (await client.get("/api/nowhere/1")).status_code == 404

    asyncio.run(scenario())
    route = "/api/orders/{order_id}"
    ok = {"method": "GET", "route": route, "status": "200"}
    assert sample(metrics, "http_requests_total", **ok) == 3.0
    assert sample(metrics, "http_request_duration_seconds_count", **ok) == 3.0
    assert sample(metrics, "http_requests_total", **{**ok, "status": "404"}) == 1.0
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert sample(metrics, "http_requests_total", **unmatched) == 1.0
    routes = {
        s.labels["route"]
        for family in metrics.registry.collect()
        if family.name == "http_requests"
        for s in family.samples
    }
    assert routes == {route, "<unmatched>"}  # no raw path became a series


def test_reconnect_counters_start_at_zero_and_count_per_dependency() -> None:
    metrics = ServiceMetrics()
    assert sample(metrics, "service_reconnects_total", dependency="broker") == 0.0
    assert sample(metrics, "service_reconnects_total", dependency="database") == 0.0
    metrics.reconnected("broker")
    metrics.reconnected("broker")
    metrics.reconnected("database")
    assert sample(metrics, "service_reconnects_total", dependency="broker") == 2.0
    assert sample(metrics, "service_reconnects_total", dependency="database") == 1.0


# -- the order saga census -----------------------------------------------------------------


def test_the_census_counts_orders_by_status_and_adds_up_the_stuck_ones() -> None:
    # Which orders are stuck is the query's filter (run on PostgreSQL in
    # tests/system/test_orders_saga_store.py); folding its rows only sums them.
    census = census_of(
        [
            {"status": "Placed", "orders": 5, "stuck": 2},
            {"status": "PaymentAuthorized", "orders": 1, "stuck": 1},
            {"status": "Confirmed", "orders": 7, "stuck": 0},
            {"status": "Cancelled", "orders": 3, "stuck": 1},
            {"status": "Mislaid", "orders": 9, "stuck": 9},  # unknown to this code
        ]
    )
    assert census.by_status == {
        OrderStatus.PLACED: 5,
        OrderStatus.PAYMENT_AUTHORIZED: 1,
        OrderStatus.CONFIRMED: 7,
        OrderStatus.CANCELLED: 3,
    }
    assert census.stuck == 4


def test_the_stuck_threshold_defaults_to_the_saga_timeout_and_can_be_shorter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDER_SAGA_TIMEOUT_SECONDS", "120")
    assert load_orders_settings().stuck_after == timedelta(seconds=120)
    monkeypatch.setenv("ORDER_SAGA_STUCK_SECONDS", "2.5")
    assert load_orders_settings().stuck_after == timedelta(seconds=2.5)
    monkeypatch.setenv("ORDER_SAGA_STUCK_SECONDS", "0")
    with pytest.raises(ConfigurationError, match="ORDER_SAGA_STUCK_SECONDS"):
        load_orders_settings()


def test_recording_a_census_sets_every_status_including_the_absent_ones() -> None:
    metrics, registry = OrdersMetrics(), CollectorRegistry()
    metrics.register(registry)
    metrics.record_census({OrderStatus.PLACED: 4}, stuck=1)
    metrics.record_census({OrderStatus.CONFIRMED: 2}, stuck=0)  # the Placed ones moved on
    values = {
        status.value: registry.get_sample_value("orders_sagas", {"state": status.value})
        for status in OrderStatus
    }
    assert values == {status.value: 0.0 for status in OrderStatus} | {"Confirmed": 2.0}
    assert registry.get_sample_value("orders_sagas_stuck") == 0.0


# -- refreshing before a scrape --------------------------------------------------------------


class FakePool:
    """Answers the two scrape queries; ``down`` makes every acquire fail like an outage."""

    def __init__(self) -> None:
        self.backlog: dict[str, object] = {"depth": 0, "oldest_age_s": 0.0}
        self.census: list[Mapping[str, object]] = []
        self.down = False
        self.queries: list[tuple[str, tuple[object, ...]]] = []

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[FakePool]:
        if self.down:
            raise ConnectionRefusedError("database restarting")
        yield self

    async def fetchrow(self, sql: str, *args: object) -> Mapping[str, object]:
        self.queries.append((sql, args))
        assert sql == OUTBOX_BACKLOG
        return self.backlog

    async def fetch(self, sql: str, *args: object) -> list[Mapping[str, object]]:
        self.queries.append((sql, args))
        assert sql == CENSUS
        return self.census

    async def fetchval(self, sql: str) -> int:
        return 1


class FakeDatabase:
    """The part of ``Database`` the runtime uses: set up, down when the pool is."""

    name = "database"

    def __init__(self, pool: FakePool) -> None:
        self.pool = pool

    def is_ready(self) -> bool:
        return True

    async def probe(self) -> None:
        if self.pool.down:
            raise DatabaseUnavailable("connection refused")


class DisconnectedBroker:
    name = "broker"

    def is_connected(self) -> bool:
        return False

    async def probe(self) -> None:
        raise BrokerUnavailable("not connected yet")


class Shop:
    """A runtime with messaging (started, never connected) and the orders census."""

    def __init__(self) -> None:
        self.pool = FakePool()
        self.metrics = ServiceMetrics()
        self.orders = OrdersMetrics()
        self.orders.register(self.metrics.registry)
        self.messaging = Messaging("orders")
        self.messaging.configure(registry=self.metrics.registry)
        settings = ServiceSettings(
            service_name="orders",
            http_port=8000,
            database_url="postgresql://orders:pw@127.0.0.1:1/orders",
            amqp_url="amqp://orders:pw@127.0.0.1:1/%2Fcritter",
        )
        self.runtime = ServiceRuntime(
            settings=settings,
            metrics=self.metrics,
            database=cast(Database, FakeDatabase(self.pool)),
            broker=cast(Broker, DisconnectedBroker()),
            optional_messaging=self.messaging,
            scrape_gauges=(saga_census_gauges(self.orders, SAGA_TIMEOUT),),
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        runtime = self.runtime
        # The messaging task waits for a connected broker, which never comes: it only
        # needs to know its database for the outbox query.
        self.messaging.start(
            database=runtime.database, broker=runtime.broker, database_url="unused"
        )
        try:
            yield
        finally:
            await self.messaging.stop()

    def value(self, name: str, **labels: str) -> float | None:
        return sample(self.metrics, name, **labels)


def run(scenario: Any) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(10):
            await scenario()

    asyncio.run(bounded())


def test_a_scrape_reads_the_outbox_backlog_and_the_census_in_one_query_each() -> None:
    shop = Shop()
    shop.pool.backlog = {"depth": 3, "oldest_age_s": 12.5}
    shop.pool.census = [
        {"status": "Placed", "orders": 2, "stuck": 1},
        {"status": "Delivered", "orders": 8, "stuck": 0},
    ]

    async def scenario() -> None:
        async with shop.running():
            await shop.runtime.refresh_gauges()

    run(scenario)
    assert [sql for sql, _args in shop.pool.queries] == [OUTBOX_BACKLOG, CENSUS]
    assert shop.pool.queries[1][1] == (SAGA_TIMEOUT, *CENSUS_STATUSES)
    assert shop.value("messaging_outbox_depth") == 3.0
    assert shop.value("messaging_outbox_oldest_age_seconds") == 12.5
    assert shop.value("orders_sagas", state="Placed") == 2.0
    assert shop.value("orders_sagas", state="Delivered") == 8.0
    assert shop.value("orders_sagas", state="Confirmed") == 0.0
    assert shop.value("orders_sagas_stuck") == 1.0
    assert shop.value("service_dependency_up", dependency="database") == 1.0
    text = shop.metrics.render().decode()
    assert 'orders_sagas{state="InventoryReserved"} 0.0' in text
    assert "messaging_outbox_oldest_age_seconds 12.5" in text


def test_an_outage_keeps_the_last_values_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shop = Shop()
    shop.pool.backlog = {"depth": 4, "oldest_age_s": 30.0}
    shop.pool.census = [{"status": "Placed", "orders": 5, "stuck": 2}]
    caplog.set_level(logging.DEBUG, logger="services.kernel.scrape_gauges")

    def warnings() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "services.kernel.scrape_gauges" and r.levelno >= logging.WARNING
        ]

    async def scenario() -> None:
        async with shop.running():
            await shop.runtime.refresh_gauges()
            shop.pool.down = True
            await shop.runtime.refresh_gauges()  # the scrape still answers
            await shop.runtime.refresh_gauges()
            assert len(warnings()) == 1
            assert "order saga census not refreshed" in warnings()[0]
            shop.pool.down = False
            shop.pool.census = [{"status": "Placed", "orders": 1, "stuck": 0}]
            await shop.runtime.refresh_gauges()
            assert shop.value("orders_sagas", state="Placed") == 1.0
            shop.pool.down = True
            await shop.runtime.refresh_gauges()  # a second outage: a second warning
            assert len(warnings()) == 2

    run(scenario)
    assert shop.value("service_dependency_up", dependency="database") == 0.0
    assert shop.value("messaging_outbox_depth") == 4.0  # kept from before the outage
    assert shop.value("orders_sagas", state="Placed") == 1.0
    assert shop.value("orders_sagas_stuck") == 0.0
