"""Composition root of the Inventory process.

Run by the orchestrator as ``uvicorn services.inventory.main:create_app --factory`` with
the environment described in ``services.kernel.settings``. Migrations, then seeding,
run on the first database connection; the handlers consume Orders' reservation
messages through the kernel's inbox and publish through its outbox.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.inventory import api
from services.inventory.handlers import InventoryHandlers
from services.inventory.schema import MIGRATIONS
from services.inventory.seed import seed_stock
from services.inventory.store import PostgresLedger
from services.kernel.app import build_app
from services.kernel.messaging import Messaging
from services.kernel.settings import ServiceSettings, load_settings


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_inventory_app(load_settings())


def build_inventory_app(settings: ServiceSettings) -> FastAPI:
    handlers = InventoryHandlers(ledger_for=PostgresLedger)
    return build_app(
        settings,
        title="Critter Supply: Inventory",
        description="Stock per SKU and warehouse; all-or-nothing reservations per order.",
        routers=[api.router],
        migrations=MIGRATIONS,
        on_database_ready=[seed_stock],
        messaging=Messaging("inventory", handlers.subscriptions()),
    )
