"""Composition root of the Shopping process.

Run by the orchestrator as::

    python -m uvicorn services.shopping.main:create_app --factory \\
        --host 127.0.0.1 --port $HTTP_PORT --timeout-keep-alive 75 --no-access-log

with the environment described in ``services.kernel.settings``; Shopping also
needs ``UPSTREAM_CATALOG_URL`` (prices). It publishes cart events through the
outbox and consumes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from services.kernel.app import build_app
from services.kernel.messaging import Messaging
from services.kernel.runtime import ServiceRuntime
from services.kernel.settings import ServiceSettings, load_settings
from services.shopping import api
from services.shopping.cart_service import CartService
from services.shopping.catalog_client import HttpCatalog
from services.shopping.schema import MIGRATIONS


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_shopping_app(load_settings())


def build_shopping_app(settings: ServiceSettings) -> FastAPI:
    """The Shopping app for ``settings``; the catalog URL is checked now, not at first use."""
    catalog_url = settings.upstream_url("catalog")
    messaging = Messaging(service="shopping", subscriptions=[])
    app = build_app(
        settings,
        title="Critter Supply: Shopping",
        description='Carts priced by the Product Catalog. Money is a JSON string, e.g. "19.99".',
        routers=[api.router],
        migrations=MIGRATIONS,
        messaging=messaging,
    )
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        # The kernel's lifespan builds the runtime (database, broker, messaging); the
        # catalog client lives inside it and is closed first.
        async with kernel_lifespan(app) as state, HttpCatalog.open(catalog_url) as catalog:
            runtime: ServiceRuntime = app.state.runtime
            app.state.carts = CartService(runtime.database, catalog, messaging.publish)
            yield state

    app.router.lifespan_context = lifespan
    return app
