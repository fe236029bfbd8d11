"""Composition root of the Fulfillment process.

Run by the orchestrator as::

    python -m uvicorn services.fulfillment.main:create_app --factory \\
        --host 127.0.0.1 --port $HTTP_PORT --timeout-keep-alive 75 --no-access-log

with the environment described in ``services.kernel.settings`` plus the
simulator's knobs in ``services.fulfillment.settings``. It consumes
FulfillmentRequested and publishes ShipmentDispatched and ShipmentDelivered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from services.fulfillment import api
from services.fulfillment.handlers import subscriptions
from services.fulfillment.schema import MIGRATIONS
from services.fulfillment.settings import FulfillmentSettings, load_fulfillment_settings
from services.fulfillment.shipment_service import ShipmentService
from services.fulfillment.worker import AutopilotWorker
from services.kernel.app import build_app
from services.kernel.messaging import Messaging
from services.kernel.runtime import ServiceRuntime


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_fulfillment_app(load_fulfillment_settings())


def build_fulfillment_app(settings: FulfillmentSettings) -> FastAPI:
    autopilot = settings.autopilot()
    messaging = Messaging(service="fulfillment", subscriptions=subscriptions(autopilot))
    app = build_app(
        settings,
        title="Critter Supply: Fulfillment",
        description="One shipment per order, moved through the warehouse by a seeded simulator.",
        routers=[api.router],
        migrations=MIGRATIONS,
        messaging=messaging,
    )
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        # The kernel's lifespan builds the runtime (database, broker, messaging); the
        # autopilot runs inside it and is stopped first.
        async with kernel_lifespan(app) as state:
            runtime: ServiceRuntime = app.state.runtime
            shipments = ShipmentService(runtime.database, autopilot, messaging.publish)
            app.state.shipments = shipments
            worker = AutopilotWorker(shipments, dsn=settings.database_url)
            if autopilot.enabled:
                worker.start()
            try:
                yield state
            finally:
                await worker.stop()

    app.router.lifespan_context = lifespan
    return app
