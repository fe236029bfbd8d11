"""Composition root of the Payments process.

Run by the orchestrator as ``uvicorn services.payments.main:create_app --factory`` with
the kernel's environment plus the gateway knobs of ``services.payments.settings``.
The handlers consume Orders' payment messages through the kernel's inbox and publish
through its outbox; the HTTP API only reads.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.kernel.app import build_app
from services.kernel.messaging import Messaging
from services.payments import api
from services.payments.gateway import SimulatedGateway
from services.payments.handlers import PaymentHandlers
from services.payments.schema import MIGRATIONS
from services.payments.settings import PaymentsSettings, load_payments_settings
from services.payments.store import PostgresPayments


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_payments_app(load_payments_settings())


def build_payments_app(settings: PaymentsSettings) -> FastAPI:
    handlers = PaymentHandlers(PostgresPayments, SimulatedGateway(settings.gateway()))
    return build_app(
        settings,
        title="Critter Supply: Payments",
        description="One payment per order, authorised by a simulated, seeded gateway.",
        routers=[api.router],
        migrations=MIGRATIONS,
        messaging=Messaging("payments", handlers.subscriptions()),
    )
