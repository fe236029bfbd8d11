"""Payments' domain: one payment per order, its guarded transitions, and the store port.

Pure code: no I/O, no framework. Statuses only move forward::

    (none) --OrderPlaced, approved--> Authorized --capture--> Captured --void--> Refunded
       |   --OrderPlaced, declined--> Failed          \\--void--> Voided
       \\--void before OrderPlaced--> Voided (a tombstone of amount 0: a late OrderPlaced
                                     then authorises nothing)

Every void request is answered exactly once with ``PaymentVoided`` so the saga's
compensation always completes: Authorized -> Voided (the authorised amount, not
refunded), Captured -> Refunded (the captured amount, refunded), Failed or unknown ->
amount 0, not refunded. ``voided_at`` records that answer, also for a Failed payment
whose status stays Failed. A capture request is honoured once, for an Authorized
payment only; it may not exceed the authorised amount. The authorisation's expiry
(7 days) is recorded, not enforced: sandbox runs last minutes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from services.kernel.errors import NotFound
from services.kernel.money import to_cents
from services.payments.gateway import Approval, Decline, is_valid_amount

CURRENCY = "USD"
AUTHORIZATION_LIFETIME = timedelta(days=7)
_PAYMENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:critter-supply:payments:payment")


class PaymentStatus(StrEnum):
    AUTHORIZED = "Authorized"
    CAPTURED = "Captured"
    FAILED = "Failed"
    VOIDED = "Voided"
    REFUNDED = "Refunded"


class PaymentNotFound(NotFound):
    def __init__(self, payment_id: UUID) -> None:
        super().__init__(f"payment {payment_id} not found")


class CaptureRefused(Exception):
    """A capture request that can never succeed (more than was authorised)."""


def payment_id_for(order_id: UUID) -> UUID:
    """One payment per order, with an id derived from it, so replays give the same ids."""
    return uuid5(_PAYMENT_NAMESPACE, str(order_id))


@dataclass(frozen=True)
class Payment:
    payment_id: UUID
    order_id: UUID
    customer_id: UUID | None
    amount: Decimal
    status: PaymentStatus
    created_at: datetime
    currency: str = CURRENCY
    authorization_id: str | None = None
    authorized_at: datetime | None = None
    expires_at: datetime | None = None
    failure_reason: str | None = None
    is_retriable: bool | None = None
    failed_at: datetime | None = None
    transaction_id: str | None = None
    captured_amount: Decimal | None = None
    captured_at: datetime | None = None
    voided_at: datetime | None = None
    refunded_at: datetime | None = None

    @property
    def void_answered(self) -> bool:
        return self.voided_at is not None

    def capture(self, amount: Decimal, transaction_id: str, now: datetime) -> Payment | None:
        """The captured payment, or None when there is nothing to do (already captured,
        or no longer capturable: failed, voided, refunded). Raises CaptureRefused above
        the authorised amount."""
        if self.status is not PaymentStatus.AUTHORIZED:
            return None
        if not is_valid_amount(amount) or amount > self.amount:
            raise CaptureRefused(
                f"capture of {amount} for order {self.order_id} outside 0 < amount <= {self.amount}"
            )
        return dataclasses.replace(
            self,
            status=PaymentStatus.CAPTURED,
            transaction_id=transaction_id,
            captured_amount=amount,
            captured_at=now,
        )

    def void(self, now: datetime) -> Payment | None:
        """The payment after a void request, or None if one was already answered."""
        if self.void_answered:
            return None
        if self.status is PaymentStatus.AUTHORIZED:
            return dataclasses.replace(self, status=PaymentStatus.VOIDED, voided_at=now)
        if self.status is PaymentStatus.CAPTURED:
            return dataclasses.replace(
                self, status=PaymentStatus.REFUNDED, voided_at=now, refunded_at=now
            )
        return dataclasses.replace(self, voided_at=now)  # Failed: nothing to give back

    @property
    def voided_amount(self) -> Decimal:
        """What the void gave back: the refund, the released authorisation, or nothing."""
        if self.status is PaymentStatus.REFUNDED:
            return self.captured_amount or Decimal("0.00")
        if self.status is PaymentStatus.VOIDED:
            return self.amount
        return Decimal("0.00")


def open_payment(
    order_id: UUID,
    customer_id: UUID,
    amount: Decimal,
    outcome: Approval | Decline,
    now: datetime,
) -> Payment:
    """The payment recorded for an order the gateway has just answered for (an invalid
    amount, which the gateway declines, is recorded as 0)."""
    base = Payment(
        payment_id=payment_id_for(order_id),
        order_id=order_id,
        customer_id=customer_id,
        amount=to_cents(amount) if is_valid_amount(amount) else Decimal("0.00"),
        status=PaymentStatus.AUTHORIZED,
        created_at=now,
    )
    if isinstance(outcome, Decline):
        return dataclasses.replace(
            base,
            status=PaymentStatus.FAILED,
            failure_reason=outcome.reason,
            is_retriable=outcome.is_retriable,
            failed_at=now,
        )
    return dataclasses.replace(
        base,
        authorization_id=outcome.authorization_id,
        authorized_at=now,
        expires_at=now + AUTHORIZATION_LIFETIME,
    )


def void_tombstone(order_id: UUID, now: datetime) -> Payment:
    """A void that arrived before the order was seen: recorded so the order is never
    authorised later, and answered like a void of nothing."""
    return Payment(
        payment_id=payment_id_for(order_id),
        order_id=order_id,
        customer_id=None,
        amount=Decimal("0.00"),
        status=PaymentStatus.VOIDED,
        created_at=now,
        voided_at=now,
    )


class PaymentStore(Protocol):
    """Where payments live. Real adapter: ``store.PostgresPayments`` (on a pool, or on a
    handler's connection inside its transaction); fake: ``memory_store.InMemoryPayments``."""

    async def by_order(self, order_id: UUID, *, for_update: bool = False) -> Payment | None:
        """The order's payment; ``for_update`` locks it until the transaction ends."""
        ...

    async def get(self, payment_id: UUID) -> Payment:
        """The payment; raises PaymentNotFound."""
        ...

    async def insert(self, payment: Payment) -> bool:
        """Record a new payment; False (and nothing written) if the order already has one."""
        ...

    async def save(self, payment: Payment) -> None:
        """Overwrite the payment's mutable fields."""
        ...
