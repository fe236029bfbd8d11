"""``InMemoryPayments``: the ``PaymentStore`` port in a dict, with the adapter's behaviour
(one payment per order, ``insert`` refusing a second). Locks are no-ops: on one event
loop nothing interleaves between the awaits of a test."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from services.payments.domain import Payment, PaymentNotFound


class InMemoryPayments:
    def __init__(self, payments: Iterable[Payment] = ()) -> None:
        self.by_id: dict[UUID, Payment] = {payment.payment_id: payment for payment in payments}

    async def by_order(self, order_id: UUID, *, for_update: bool = False) -> Payment | None:
        return next((p for p in self.by_id.values() if p.order_id == order_id), None)

    async def get(self, payment_id: UUID) -> Payment:
        try:
            return self.by_id[payment_id]
        except KeyError:
            raise PaymentNotFound(payment_id) from None

    async def insert(self, payment: Payment) -> bool:
        if await self.by_order(payment.order_id) is not None or payment.payment_id in self.by_id:
            return False
        self.by_id[payment.payment_id] = payment
        return True

    async def save(self, payment: Payment) -> None:
        if payment.payment_id not in self.by_id:
            raise PaymentNotFound(payment.payment_id)
        self.by_id[payment.payment_id] = payment
