"""Composition root of the Customer Identity process.

Run by the orchestrator as::

    python -m uvicorn services.identity.main:create_app --factory \\
        --host 127.0.0.1 --port $HTTP_PORT --timeout-keep-alive 75 --no-access-log

with the environment of ``services.kernel.settings`` plus ``AUTH_SIGNING_KEY`` (required
here) and ``AUTH_TOKEN_TTL_SECONDS`` (see ``services.identity.config``). It publishes and
consumes no messages: other contexts ask it over HTTP.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.identity import api
from services.identity.auth_api import login_router
from services.identity.config import TokenPolicy, load_token_policy
from services.identity.schema import MIGRATIONS
from services.identity.seed import seed_customers
from services.kernel.app import build_app
from services.kernel.settings import ServiceSettings, load_settings


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    settings = load_settings()
    return build_identity_app(settings, load_token_policy(settings))


def build_identity_app(settings: ServiceSettings, tokens: TokenPolicy) -> FastAPI:
    """The identity app: migrations and seeding run on first DB connect."""
    return build_app(
        settings,
        title="Critter Supply: Customer Identity",
        description="Customers, their address books, and login tokens for the other services.",
        routers=[api.router, login_router(tokens)],
        migrations=MIGRATIONS,
        on_database_ready=[seed_customers],
    )
