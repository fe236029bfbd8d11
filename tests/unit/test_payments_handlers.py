"""Payments' handlers over the in-memory store, with a fake handler context."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

import pytest

from services.contracts.messages import (
    Address,
    Message,
    OrderLine,
    OrderPlaced,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentCaptureRequested,
    PaymentFailed,
    PaymentVoided,
    PaymentVoidRequested,
)
from services.kernel.messaging import PermanentError
from services.kernel.messaging.testing import RecordingContext
from services.payments.domain import PaymentStatus, payment_id_for
from services.payments.gateway import GatewaySettings, SimulatedGateway
from services.payments.handlers import PaymentHandlers
from services.payments.memory_store import InMemoryPayments

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
TOTAL = Decimal("42.50")
T = TypeVar("T")


@dataclass
class World:
    store: InMemoryPayments
    handlers: PaymentHandlers
    ctx: RecordingContext
    pauses: list[float]


def world(settings: GatewaySettings | None = None) -> World:
    store, pauses = InMemoryPayments(), []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    gateway = SimulatedGateway(settings or GatewaySettings())
    handlers = PaymentHandlers(lambda _conn: store, gateway, clock=lambda: NOW, pause=pause)
    return World(store, handlers, RecordingContext(), pauses)


def run(step: Awaitable[T]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(5):
            return await step

    return asyncio.run(bounded())


def placed(order_id: UUID, token: str = "tok_visa") -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        customer_id=uuid4(),
        line_items=[OrderLine(sku="A", quantity=1, unit_price=TOTAL, line_total=TOTAL)],
        shipping_address=Address(
            address_line1="1 Main St",
            city="Seattle",
            state_or_province="WA",
            postal_code="98101",
            country="US",
        ),
        shipping_method="Standard",
        payment_method_token=token,
        total_amount=TOTAL,
        placed_at=NOW,
    )


def capture(order_id: UUID, amount: Decimal = TOTAL) -> PaymentCaptureRequested:
    return PaymentCaptureRequested(
        order_id=order_id, payment_id=payment_id_for(order_id), amount=amount, requested_at=NOW
    )


def void(order_id: UUID, payment_id: UUID | None = None) -> PaymentVoidRequested:
    return PaymentVoidRequested(
        order_id=order_id,
        payment_id=payment_id or payment_id_for(order_id),
        reason="out of stock",
        requested_at=NOW,
    )


def kinds(w: World) -> list[type[Message]]:
    return [type(message) for message in w.ctx.published]


def test_an_order_is_authorised_once_after_the_gateway_latency() -> None:
    w, order = world(GatewaySettings(latency_ms=30)), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    [authorized] = w.ctx.published
    assert isinstance(authorized, PaymentAuthorized)
    assert (authorized.payment_id, authorized.amount) == (payment_id_for(order), TOTAL)
    assert w.pauses == [0.03]


def test_a_declined_token_fails_the_payment() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, token="tok_decline")))
    [failed] = w.ctx.published
    assert isinstance(failed, PaymentFailed)
    assert (failed.failure_reason, failed.is_retriable) == ("card_declined", False)


def test_capture_happens_once_and_refund_follows_a_void() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    run(w.handlers.on_capture_requested(w.ctx, capture(order, Decimal("40.00"))))
    run(w.handlers.on_capture_requested(w.ctx, capture(order)))
    run(w.handlers.on_void_requested(w.ctx, void(order)))
    run(w.handlers.on_void_requested(w.ctx, void(order)))
    assert kinds(w) == [PaymentAuthorized, PaymentCaptured, PaymentVoided]
    captured, voided = w.ctx.published[1], w.ctx.published[2]
    assert isinstance(captured, PaymentCaptured)
    assert captured.transaction_id.startswith("capture_")
    assert isinstance(voided, PaymentVoided)
    assert (captured.amount, voided.amount, voided.refunded) == (Decimal("40.00"),) * 2 + (True,)
    payment = run(w.store.get(payment_id_for(order)))
    assert payment.status is PaymentStatus.REFUNDED


def test_void_of_an_authorisation_releases_it_and_blocks_a_later_capture() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    run(w.handlers.on_void_requested(w.ctx, void(order)))
    run(w.handlers.on_capture_requested(w.ctx, capture(order)))
    assert kinds(w) == [PaymentAuthorized, PaymentVoided]
    voided = w.ctx.published[1]
    assert isinstance(voided, PaymentVoided)
    assert (voided.amount, voided.refunded) == (TOTAL, False)


def test_void_of_a_failed_payment_is_answered_once_with_nothing_given_back() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order, token="tok_decline")))
    run(w.handlers.on_void_requested(w.ctx, void(order)))
    run(w.handlers.on_void_requested(w.ctx, void(order)))
    assert kinds(w) == [PaymentFailed, PaymentVoided]
    assert run(w.store.get(payment_id_for(order))).status is PaymentStatus.FAILED


def test_a_void_before_the_order_arrives_means_it_is_never_authorised() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_void_requested(w.ctx, void(order)))
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    assert kinds(w) == [PaymentVoided]
    payment = run(w.store.get(payment_id_for(order)))
    assert (payment.status, payment.amount) == (PaymentStatus.VOIDED, Decimal("0.00"))


def test_requests_naming_another_payment_are_ignored() -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    run(w.handlers.on_void_requested(w.ctx, void(order, payment_id=uuid4())))
    assert kinds(w) == [PaymentAuthorized]


@pytest.mark.parametrize("amount", [TOTAL + 1, Decimal("0"), Decimal("1.005")])
def test_capturing_an_invalid_amount_is_a_permanent_error(amount: Decimal) -> None:
    w, order = world(), uuid4()
    run(w.handlers.on_order_placed(w.ctx, placed(order)))
    with pytest.raises(PermanentError, match="outside"):
        run(w.handlers.on_capture_requested(w.ctx, capture(order, amount)))
    assert run(w.store.get(payment_id_for(order))).status is PaymentStatus.AUTHORIZED
