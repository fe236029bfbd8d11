"""Payments' message handlers: thin adapters from contracts to the gateway and the store.

Consumed (from Orders): ``OrderPlaced`` -> authorise once per order
(``PaymentAuthorized`` or ``PaymentFailed``); ``PaymentCaptureRequested`` -> capture an
Authorized payment once (``PaymentCaptured``); ``PaymentVoidRequested`` -> void or refund,
answered once with ``PaymentVoided`` whatever the payment's state (see ``domain``).

Payments are found by ``orderId`` (one per order, ``paymentId`` derived from it). A
capture or void naming another ``paymentId`` than the order's payment refers to a
payment that does not exist: it is logged and ignored, never applied to the order's
real payment (Orders voids a duplicate authorisation by its id). Every
handler runs in the transaction that records the inbox row and locks the order's
payment row, so duplicates and late messages change nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.contracts.messages import (
    OrderPlaced,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentCaptureRequested,
    PaymentFailed,
    PaymentVoided,
    PaymentVoidRequested,
)
from services.kernel.messaging import AnySubscription, HandlerContext, PermanentError, Subscription
from services.payments.domain import (
    CaptureRefused,
    Payment,
    PaymentStatus,
    PaymentStore,
    open_payment,
    void_tombstone,
)
from services.payments.gateway import SimulatedGateway

log = logging.getLogger(__name__)

StoreFactory = Callable[[Any], PaymentStore]
"""Builds the store on the handler's connection (``PostgresPayments``, or a fake)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PaymentHandlers:
    def __init__(
        self,
        store_for: StoreFactory,
        gateway: SimulatedGateway,
        *,
        clock: Callable[[], datetime] = _utc_now,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store_for = store_for
        self._gateway = gateway
        self._clock = clock
        self._pause = pause  # the gateway's simulated answer time

    def subscriptions(self) -> list[AnySubscription]:
        return [
            Subscription(OrderPlaced, self.on_order_placed),
            Subscription(PaymentCaptureRequested, self.on_capture_requested),
            Subscription(PaymentVoidRequested, self.on_void_requested),
        ]

    async def on_order_placed(self, ctx: HandlerContext, message: OrderPlaced) -> None:
        store = self._store_for(ctx.conn)
        if await store.by_order(message.order_id) is not None:
            return  # already authorised, declined, or voided before it arrived
        decision = self._gateway.authorize(
            message.order_id, message.payment_method_token, message.total_amount
        )
        if decision.latency_ms:
            await self._pause(decision.latency_ms / 1000)
        now = self._clock()
        payment = open_payment(
            message.order_id, message.customer_id, message.total_amount, decision.outcome, now
        )
        if not await store.insert(payment):
            return  # a concurrent delivery or void recorded the order first
        await ctx.publish(_answer(payment))

    async def on_capture_requested(
        self, ctx: HandlerContext, message: PaymentCaptureRequested
    ) -> None:
        store = self._store_for(ctx.conn)
        payment = await store.by_order(message.order_id, for_update=True)
        if payment is None or not _names(payment, message.payment_id):
            log.warning("capture for order %s: no such payment; ignored", message.order_id)
            return
        transaction_id = self._gateway.transaction_id(message.order_id, "capture")
        try:
            captured = payment.capture(message.amount, transaction_id, self._clock())
        except CaptureRefused as exc:
            raise PermanentError(str(exc)) from exc
        if captured is None:
            if payment.status is not PaymentStatus.CAPTURED:
                log.warning("capture of %s payment %s ignored", payment.status, payment.payment_id)
            return
        await store.save(captured)
        await ctx.publish(
            PaymentCaptured(
                payment_id=captured.payment_id,
                order_id=captured.order_id,
                amount=captured.captured_amount or captured.amount,
                transaction_id=transaction_id,
                captured_at=captured.captured_at or self._clock(),
            )
        )

    async def on_void_requested(self, ctx: HandlerContext, message: PaymentVoidRequested) -> None:
        store = self._store_for(ctx.conn)
        now = self._clock()
        payment = await store.by_order(message.order_id, for_update=True)
        if payment is None:
            tombstone = void_tombstone(message.order_id, now)
            if await store.insert(tombstone):
                await ctx.publish(_voided(tombstone, now))
                return
            # OrderPlaced committed between our read and insert: void what it recorded.
            payment = await store.by_order(message.order_id, for_update=True)
        if payment is None or not _names(payment, message.payment_id):
            log.warning("void for order %s: no such payment; ignored", message.order_id)
            return
        voided = payment.void(now)
        if voided is None:
            return  # already answered
        await store.save(voided)
        await ctx.publish(_voided(voided, now))


def _names(payment: Payment, payment_id: UUID) -> bool:
    if payment.payment_id == payment_id:
        return True
    log.warning("order %s has payment %s, not %s", payment.order_id, payment.payment_id, payment_id)
    return False


def _answer(payment: Payment) -> PaymentAuthorized | PaymentFailed:
    if payment.status is PaymentStatus.AUTHORIZED:
        assert payment.authorization_id is not None
        assert payment.authorized_at is not None
        assert payment.expires_at is not None
        return PaymentAuthorized(
            payment_id=payment.payment_id,
            order_id=payment.order_id,
            amount=payment.amount,
            authorization_id=payment.authorization_id,
            authorized_at=payment.authorized_at,
            expires_at=payment.expires_at,
        )
    return PaymentFailed(
        payment_id=payment.payment_id,
        order_id=payment.order_id,
        failure_reason=payment.failure_reason or "declined",
        is_retriable=bool(payment.is_retriable),
        failed_at=payment.failed_at or payment.created_at,
    )


def _voided(payment: Payment, now: datetime) -> PaymentVoided:
    return PaymentVoided(
        payment_id=payment.payment_id,
        order_id=payment.order_id,
        amount=payment.voided_amount,
        refunded=payment.status is PaymentStatus.REFUNDED,
        voided_at=now,
    )
