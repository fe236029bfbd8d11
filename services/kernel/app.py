"""``build_app``: the FastAPI application factory every service's ``create_app`` calls.

It wires, in this order: logging, metrics middleware, problem handlers, the
operational routes (``/health/live``, ``/health/ready``, ``/metrics``) and the
service's own routers. Nothing touches the network until the lifespan starts;
then the database and broker connect in background tasks, so the process
serves ``/health/live`` immediately and turns ready once both are usable. On
shutdown they are closed in reverse order.

``/metrics`` first refreshes the dependency gauges, the outbox backlog and the
service's ``scrape_gauges``; broker and outbox-listener reconnects are counted in
``service_reconnects_total``.

With ``messaging=``, its outbox/inbox tables are migrated before the service's
own plan (separate version namespace), its exchanges and queues are declared on
the first broker connection, its relay and consumer start with the lifespan and
stop first at shutdown, readiness includes the consumer (if it subscribes to
anything), and routes reach it as ``runtime.messaging`` or through ``MessagingDep``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI, Request

from services.kernel.bus import Broker, BrokerOptions, BrokerSetup
from services.kernel.db import Database, DatabaseSetup, PoolOptions
from services.kernel.health import health_router
from services.kernel.logs import configure_logging
from services.kernel.messaging import Messaging
from services.kernel.metrics import MetricsMiddleware, ServiceMetrics, metrics_router
from services.kernel.migrations import MigrationPlan
from services.kernel.problems import install_problem_handlers
from services.kernel.runtime import ServiceRuntime, runtime_of
from services.kernel.scrape_gauges import ScrapedGauges
from services.kernel.settings import ServiceSettings

log = logging.getLogger(__name__)


def build_app(
    settings: ServiceSettings,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    migrations: MigrationPlan | None = None,
    on_database_ready: Sequence[DatabaseSetup] = (),
    on_broker_ready: Sequence[BrokerSetup] = (),
    description: str = "",
    version: str = "0.1.0",
    messaging: Messaging | None = None,
    scrape_gauges: Sequence[ScrapedGauges] = (),
) -> FastAPI:
    """Build the app of one service.

    ``migrations`` run first on the first database connection, then each
    ``on_database_ready`` step (e.g. seeding); each ``on_broker_ready`` step runs
    on the first broker connection (e.g. declaring exchanges). A failing step
    is retried with the connection, and the dependency stays "not ready" meanwhile.
    ``messaging`` is wired as the module docstring says, with the settings' defects.
    ``scrape_gauges`` are refreshed before every scrape (see ``services.kernel.scrape_gauges``).
    """
    configure_logging(settings.service_name, settings.log_level)
    metrics = ServiceMetrics()
    database_setup: list[DatabaseSetup] = []
    broker_setup: list[BrokerSetup] = []
    if messaging is not None:
        messaging.configure(
            defects=settings.sandbox_defects,
            registry=metrics.registry,
            on_database_reconnect=lambda: metrics.reconnected("database"),
        )
        database_setup.append(messaging.migrations.apply)
        broker_setup.append(messaging.declare_topology)
    if migrations is not None:
        database_setup.append(migrations.apply)
    database_setup.extend(on_database_ready)
    broker_setup.extend(on_broker_ready)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as resources:
            database = Database(
                settings.database_url,
                application_name=settings.service_name,
                options=PoolOptions.from_settings(settings),
                setup=database_setup,
            )
            resources.push_async_callback(database.close)
            broker = Broker(
                settings.amqp_url,
                connection_name=settings.service_name,
                options=BrokerOptions.from_settings(settings),
                setup=broker_setup,
                on_reconnect=lambda: metrics.reconnected("broker"),
            )
            resources.push_async_callback(broker.close)
            app.state.runtime = ServiceRuntime(
                settings=settings,
                metrics=metrics,
                database=database,
                broker=broker,
                optional_messaging=messaging,
                scrape_gauges=tuple(scrape_gauges),
            )
            database.start()
            broker.start()
            if messaging is not None:
                messaging.start(
                    database=database, broker=broker, database_url=settings.database_url
                )
                resources.push_async_callback(messaging.stop)  # runs first: LIFO
            log.info(
                "%s started (defects: %s)",
                settings.service_name,
                ", ".join(sorted(settings.sandbox_defects)) or "none",
            )
            yield
            log.info("%s stopping", settings.service_name)

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_problem_handlers(app)
    app.include_router(health_router())
    app.include_router(metrics_router(metrics, before_scrape=_refresh_dependency_gauges))
    for router in routers:
        app.include_router(router)
    return app


async def _refresh_dependency_gauges(request: Request) -> None:
    await runtime_of(request).refresh_gauges()
