"""Composition root of the Product Catalog process.

Run by the orchestrator as::

    python -m uvicorn services.catalog.main:create_app --factory \\
        --host 127.0.0.1 --port $HTTP_PORT --timeout-keep-alive 75 --no-access-log

with the environment described in ``services.kernel.settings``.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.catalog import api
from services.catalog.schema import MIGRATIONS
from services.catalog.seed import seed_products
from services.kernel.app import build_app
from services.kernel.settings import ServiceSettings, load_settings


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_catalog_app(load_settings())


def build_catalog_app(settings: ServiceSettings) -> FastAPI:
    """The catalog app for ``settings``: migrations and seeding run on first DB connect."""
    return build_app(
        settings,
        title="Critter Supply: Product Catalog",
        description='Products, their prices and statuses. Money is a JSON string, e.g. "19.99".',
        routers=[api.router],
        migrations=MIGRATIONS,
        on_database_ready=[seed_products],
    )
