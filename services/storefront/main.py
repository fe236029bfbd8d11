"""Composition root of the Storefront process: the shop's backend-for-frontend.

Run by the orchestrator as::

    python -m uvicorn services.storefront.main:create_app --factory ...

with the environment of ``services.kernel.settings`` (``UPSTREAM_{CATALOG, IDENTITY,
INVENTORY, SHOPPING, ORDERS}_URL`` and ``AUTH_SIGNING_KEY`` required) and the optional
variables of ``services.storefront.settings``.

Inside the kernel's lifespan (database, broker, messaging) this process owns one HTTP
client per upstream (aiohttp, with small caches: see ``clients``), the SSE hub with its
LISTEN connection, a pruning task, and a signal hook that ends open streams at shutdown.
``create_app`` wraps the FastAPI app in the SSE gateway (``sse.gateway``);
``build_storefront_app`` returns the bare app.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from fastapi import FastAPI

from services.kernel.app import build_app
from services.kernel.auth import verify_token
from services.kernel.messaging import Messaging
from services.kernel.retry import wait_for_event
from services.kernel.runtime import ServiceRuntime
from services.kernel.settings import ServiceSettings, load_settings
from services.storefront import api, orders_api, sse_api
from services.storefront.clients import UPSTREAMS, UpstreamOptions, open_upstreams
from services.storefront.deps import StorefrontWiring
from services.storefront.handlers import StorefrontHandlers
from services.storefront.metrics import StorefrontMetrics
from services.storefront.schema import MIGRATIONS
from services.storefront.settings import (
    GLOBAL_SSE,
    StorefrontSettings,
    load_storefront_settings,
    signing_key,
)
from services.storefront.sse.gateway import StreamGateway
from services.storefront.sse.hub import Hub
from services.storefront.sse.listener import NotificationListener
from services.storefront.sse.shutdown import end_streams_on_signal
from services.storefront.sse.stream import DATABASE_DOWN, StreamOptions, StreamService
from services.storefront.store import NotificationReader

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0


def create_app() -> StreamGateway:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    app = build_storefront_app(load_settings(), load_storefront_settings(), freeze_gc=True)
    return StreamGateway(app)


def build_storefront_app(
    settings: ServiceSettings,
    storefront: StorefrontSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    freeze_gc: bool = False,
) -> FastAPI:
    """The Storefront app; ``transport`` replaces the network for upstream calls (tests);
    ``freeze_gc`` moves everything alive after start-up out of the collector's sight
    (for the server process: a test process would keep its garbage)."""
    key = signing_key(settings)
    for name in UPSTREAMS:  # fail now, naming the variable, rather than at start-up
        settings.upstream_url(name)

    def authenticate(token: str) -> UUID:
        return verify_token(token, key, now=datetime.now(UTC))

    metrics = StorefrontMetrics()
    handlers = StorefrontHandlers(observe=metrics.notification_stored)
    messaging = Messaging(service=settings.service_name, subscriptions=handlers.subscriptions())
    app = build_app(
        settings,
        title="Critter Supply: Storefront",
        description="The shop's backend-for-frontend and its live event stream (SSE).",
        routers=[api.router, orders_api.router, sse_api.router],
        migrations=MIGRATIONS,
        messaging=messaging,
    )
    app.state.storefront = StorefrontWiring(
        authenticate=authenticate, checkout_deadline_s=storefront.checkout_deadline_seconds
    )
    broadcast = GLOBAL_SSE in settings.sandbox_defects
    if broadcast:
        log.warning("defect %s: every stream receives every customer's events", GLOBAL_SSE)
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        options = UpstreamOptions.of(storefront)
        async with (
            kernel_lifespan(app),
            open_upstreams(
                settings, options, transport=transport, observe=metrics.upstream_called
            ) as upstreams,
        ):
            runtime: ServiceRuntime = app.state.runtime
            metrics.register(runtime.metrics.registry)
            hub = Hub(broadcast=broadcast)
            app.state.upstreams = upstreams
            app.state.streams = StreamService(
                hub=hub,
                source=lambda: NotificationReader(runtime.database.pool),
                authenticate=authenticate,
                options=StreamOptions(
                    heartbeat_s=storefront.sse_heartbeat_seconds,
                    replay_batch=storefront.sse_replay_batch,
                ),
                metrics=metrics,
            )
            listener = NotificationListener(
                lambda: _listen_connection(settings),
                hub,
                metrics=metrics,
                on_reconnect=lambda: runtime.metrics.reconnected("database"),
            )
            stop = asyncio.Event()
            retention = timedelta(hours=storefront.retention_hours)
            tasks = [
                asyncio.create_task(listener.run(stop), name="storefront-listener"),
                asyncio.create_task(_prune(runtime, retention, stop), name="storefront-prune"),
            ]
            if freeze_gc:
                # Start-up objects (modules, the app) never die: keep them out of the
                # collector's full passes, which otherwise pause the loop with many streams.
                gc.freeze()
            try:
                with end_streams_on_signal(hub.close):
                    yield
            finally:
                hub.close()
                stop.set()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app.router.lifespan_context = lifespan
    return app


async def _listen_connection(settings: ServiceSettings) -> Any:
    return await asyncpg.connect(
        settings.database_url,
        timeout=5.0,
        server_settings={"application_name": f"{settings.service_name}-listener"},
    )


async def _prune(runtime: ServiceRuntime, retention: timedelta, stop: asyncio.Event) -> None:
    """Delete old notifications now and then (every replica may: deleting twice is harmless)."""
    while not await wait_for_event(stop, PRUNE_EVERY_S):
        try:
            deleted = await NotificationReader(runtime.database.pool).prune(retention)
        except DATABASE_DOWN as exc:
            log.info("pruning skipped: %s", exc)
            continue
        if deleted:
            log.info("pruned %d notifications and cart changes", deleted)
