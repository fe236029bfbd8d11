"""HTTP bodies of Payments (JSON in camelCase; money as a string with two decimals)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.kernel.api_models import CamelModel
from services.kernel.money import NonNegativeMoney
from services.payments.domain import Payment, PaymentStatus


class PaymentView(CamelModel):
    """A payment; fields without a value are omitted."""

    payment_id: UUID
    order_id: UUID
    customer_id: UUID | None = None
    amount: NonNegativeMoney
    currency: str
    status: PaymentStatus
    authorization_id: str | None = None
    authorized_at: datetime | None = None
    expires_at: datetime | None = None
    failure_reason: str | None = None
    is_retriable: bool | None = None
    failed_at: datetime | None = None
    transaction_id: str | None = None
    captured_amount: NonNegativeMoney | None = None
    captured_at: datetime | None = None
    voided_at: datetime | None = None
    refunded_at: datetime | None = None
    created_at: datetime

    @classmethod
    def from_domain(cls, payment: Payment) -> PaymentView:
        return cls(
            payment_id=payment.payment_id,
            order_id=payment.order_id,
            customer_id=payment.customer_id,
            amount=payment.amount,
            currency=payment.currency,
            status=payment.status,
            authorization_id=payment.authorization_id,
            authorized_at=payment.authorized_at,
            expires_at=payment.expires_at,
            failure_reason=payment.failure_reason,
            is_retriable=payment.is_retriable,
            failed_at=payment.failed_at,
            transaction_id=payment.transaction_id,
            captured_amount=payment.captured_amount,
            captured_at=payment.captured_at,
            voided_at=payment.voided_at,
            refunded_at=payment.refunded_at,
            created_at=payment.created_at,
        )


class PaymentList(CamelModel):
    """Body of ``GET /api/payments?orderId=``: the order's payment, or none yet."""

    payments: list[PaymentView]
