"""Composition root of the Orders process: checkouts and the order saga.

Run by the orchestrator as::

    python -m uvicorn services.orders.main:create_app --factory ...

with the environment of ``services.kernel.settings`` plus ``UPSTREAM_IDENTITY_URL``
and the optional variables of ``services.orders.settings``.

Besides the kernel's lifespan (database, broker, messaging) this process owns an
HTTP client for Customer Identity and the saga deadline watch; both live inside
the kernel's lifespan, so they start after it and stop before it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

from fastapi import FastAPI

from services.kernel.app import build_app
from services.kernel.ids import uuid7
from services.kernel.messaging import Messaging
from services.kernel.runtime import ServiceRuntime
from services.kernel.settings import ServiceSettings, load_settings
from services.orders import checkout_api, orders_api
from services.orders.deps import OrdersWiring
from services.orders.handlers import OrderHandlers
from services.orders.identity import AddressBook, IdentityAddressBook
from services.orders.metrics import OrdersMetrics
from services.orders.saga_census import saga_census_gauges
from services.orders.schema import MIGRATIONS
from services.orders.settings import OrdersSettings, load_orders_settings
from services.orders.timeouts import SagaDeadlineWatch
from services.orders.units import PostgresUnitOfWorkFactory

AddressBookFactory = Callable[[], AbstractAsyncContextManager[AddressBook]]


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_orders_app(load_settings(), load_orders_settings())


def build_orders_app(
    settings: ServiceSettings,
    orders_settings: OrdersSettings,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    new_order_id: Callable[[], UUID] = uuid7,
    address_book: AddressBookFactory | None = None,
) -> FastAPI:
    """The Orders app; ``address_book`` replaces the Identity client (tests)."""
    metrics = OrdersMetrics()
    handlers = OrderHandlers(now=now, metrics=metrics)
    messaging = Messaging(service=settings.service_name, subscriptions=handlers.subscriptions())
    if address_book is None:
        address_book = _identity_client(
            settings.upstream_url("identity"), orders_settings.identity_timeout_seconds
        )
    app = build_app(
        settings,
        title="Critter Supply: Orders",
        description='Checkouts and the order saga. Money is a JSON string, e.g. "19.99".',
        routers=[checkout_api.router, orders_api.router],
        migrations=MIGRATIONS,
        messaging=messaging,
        scrape_gauges=[saga_census_gauges(metrics, orders_settings.stuck_after)],
    )
    app.state.orders = OrdersWiring(publish=messaging.publish, now=now, new_order_id=new_order_id)
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kernel_lifespan(app), address_book() as book:
            runtime: ServiceRuntime = app.state.runtime
            metrics.register(runtime.metrics.registry)
            app.state.address_book = book
            units = PostgresUnitOfWorkFactory(runtime.database, messaging.publish)
            watch = SagaDeadlineWatch(
                units, timeout=orders_settings.saga_timeout, now=now, metrics=metrics
            )
            stop = asyncio.Event()
            task = asyncio.create_task(watch.run(stop), name="saga-deadline-watch")
            try:
                yield
            finally:
                stop.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
    return app


def _identity_client(base_url: str, timeout_s: float) -> AddressBookFactory:
    @asynccontextmanager
    async def open_book() -> AsyncIterator[AddressBook]:
        async with IdentityAddressBook.open(base_url, timeout_s=timeout_s) as book:
            yield book

    return open_book
