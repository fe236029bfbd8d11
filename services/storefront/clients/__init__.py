"""One small client per upstream service, so fixing a path or a field is one edit.

``open_upstreams`` builds one ``httpx.AsyncClient`` per upstream (its own connection
pool and Toxiproxy link, ``UPSTREAM_<NAME>_URL``) for the life of the app; tests pass
``transport`` (an ``httpx.MockTransport``) instead of real servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx

from services.kernel.settings import ServiceSettings
from services.storefront.clients.base import Upstream
from services.storefront.clients.catalog import CatalogClient
from services.storefront.clients.identity import IdentityClient
from services.storefront.clients.inventory import InventoryClient
from services.storefront.clients.orders import OrdersClient
from services.storefront.clients.shopping import ShoppingClient

UPSTREAMS = ("catalog", "identity", "inventory", "shopping", "orders")


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
    *,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Upstreams]:
    """Clients for every upstream, closed on exit. ConfigurationError if a URL is missing."""
    urls = {name: settings.upstream_url(name) for name in UPSTREAMS}
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 2.0))
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with AsyncExitStack() as stack:
        upstream = {
            name: Upstream(
                name,
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=url, timeout=timeout, limits=limits, transport=transport
                    )
                ),
            )
            for name, url in urls.items()
        }
        yield Upstreams(
            catalog=CatalogClient(upstream["catalog"]),
            identity=IdentityClient(upstream["identity"]),
            inventory=InventoryClient(upstream["inventory"]),
            shopping=ShoppingClient(upstream["shopping"]),
            orders=OrdersClient(upstream["orders"]),
        )
