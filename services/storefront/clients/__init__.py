"""One small client per upstream, so fixing a path or a field is one edit.

``open_upstreams`` opens one ``Sender`` per upstream for the life of the app, each with
its own connection pool and Toxiproxy link (``UPSTREAM_<NAME>_URL``): aiohttp in
production; tests pass ``transport`` (an ``httpx.MockTransport``) instead of servers.
The clients' caches are sized and timed by ``UpstreamOptions``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx

from services.kernel.http_client import HttpxSender, Sender, open_sender
from services.kernel.settings import ServiceSettings
from services.storefront.clients.base import CallObserver, Upstream
from services.storefront.clients.cache import Clock
from services.storefront.clients.catalog import CatalogClient
from services.storefront.clients.identity import IdentityClient
from services.storefront.clients.inventory import InventoryClient
from services.storefront.clients.orders import OrdersClient
from services.storefront.clients.shopping import ShoppingClient
from services.storefront.settings import StorefrontSettings

UPSTREAMS = ("catalog", "identity", "inventory", "shopping", "orders")


@dataclass(frozen=True)
class UpstreamOptions:
    timeout_s: float = 5.0
    max_connections: int = 50
    listing_ttl_s: float = 0.0
    names_ttl_s: float = 30.0
    stock_ttl_s: float = 0.0
    cart_id_ttl_s: float = 0.0
    clock: Clock = time.monotonic

    @classmethod
    def of(cls, settings: StorefrontSettings) -> UpstreamOptions:
        return cls(
            timeout_s=settings.upstream_timeout_seconds,
            max_connections=settings.upstream_max_connections,
            listing_ttl_s=settings.listing_ttl_seconds,
            names_ttl_s=settings.names_ttl_seconds,
            stock_ttl_s=settings.stock_ttl_seconds,
            cart_id_ttl_s=settings.cart_id_ttl_seconds,
        )


@dataclass(frozen=True)
class Upstreams:
    catalog: CatalogClient
    identity: IdentityClient
    inventory: InventoryClient
    shopping: ShoppingClient
    orders: OrdersClient


@asynccontextmanager
async def open_upstreams(
    settings: ServiceSettings,
    options: UpstreamOptions,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    observe: CallObserver | None = None,
) -> AsyncIterator[Upstreams]:
    """Clients for every upstream, closed on exit. ConfigurationError if a URL is missing."""
    urls = {name: settings.upstream_url(name) for name in UPSTREAMS}
    async with AsyncExitStack() as stack:
        upstream: dict[str, Upstream] = {}
        for name, url in urls.items():
            sender: Sender
            if transport is None:
                sender = await stack.enter_async_context(
                    open_sender(
                        url, timeout_s=options.timeout_s, max_connections=options.max_connections
                    )
                )
            else:
                client = httpx.AsyncClient(base_url=url, transport=transport)
                sender = HttpxSender(await stack.enter_async_context(client))
            upstream[name] = Upstream(name, sender, observe=observe)
        clock = options.clock
        yield Upstreams(
            catalog=CatalogClient(
                upstream["catalog"],
                names_ttl_s=options.names_ttl_s,
                listing_ttl_s=options.listing_ttl_s,
                clock=clock,
            ),
            identity=IdentityClient(upstream["identity"]),
            inventory=InventoryClient(
                upstream["inventory"], ttl_s=options.stock_ttl_s, clock=clock
            ),
            shopping=ShoppingClient(
                upstream["shopping"], cart_id_ttl_s=options.cart_id_ttl_s, clock=clock
            ),
            orders=OrdersClient(upstream["orders"]),
        )
