"""``PostgresPayments``: the ``PaymentStore`` port on asyncpg.

It works on the pool (HTTP reads) or on a handler's connection (inside the handler's
transaction): both offer ``fetchrow``/``fetchval``/``execute``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from services.payments.domain import Payment, PaymentNotFound, PaymentStatus

_COLUMNS = (
    "payment_id, order_id, customer_id, amount, currency, status, authorization_id,"
    " authorized_at, expires_at, failure_reason, is_retriable, failed_at, transaction_id,"
    " captured_amount, captured_at, voided_at, refunded_at, created_at"
)
_VALUES = ", ".join(f"${index}" for index in range(1, 19))


class PostgresPayments:
    def __init__(self, executor: Any) -> None:
        self._db = executor

    async def by_order(self, order_id: UUID, *, for_update: bool = False) -> Payment | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM payments WHERE order_id = $1{lock}", order_id
        )
        return None if row is None else _payment(row)

    async def get(self, payment_id: UUID) -> Payment:
        row = await self._db.fetchrow(
            f"SELECT {_COLUMNS} FROM payments WHERE payment_id = $1", payment_id
        )
        if row is None:
            raise PaymentNotFound(payment_id)
        return _payment(row)

    async def insert(self, payment: Payment) -> bool:
        inserted = await self._db.fetchval(
            f"INSERT INTO payments ({_COLUMNS}) VALUES ({_VALUES})"
            " ON CONFLICT DO NOTHING RETURNING true",
            *_row(payment),
        )
        return bool(inserted)

    async def save(self, payment: Payment) -> None:
        await self._db.execute(
            f"UPDATE payments SET ({_COLUMNS}) = ({_VALUES}) WHERE payment_id = $1",
            *_row(payment),
        )


def _row(payment: Payment) -> tuple[object, ...]:
    return (
        payment.payment_id,
        payment.order_id,
        payment.customer_id,
        payment.amount,
        payment.currency,
        payment.status.value,
        payment.authorization_id,
        payment.authorized_at,
        payment.expires_at,
        payment.failure_reason,
        payment.is_retriable,
        payment.failed_at,
        payment.transaction_id,
        payment.captured_amount,
        payment.captured_at,
        payment.voided_at,
        payment.refunded_at,
        payment.created_at,
    )


def _payment(row: Mapping[str, Any]) -> Payment:
    return Payment(
        payment_id=row["payment_id"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        amount=row["amount"],
        currency=row["currency"],
        status=PaymentStatus(row["status"]),
        authorization_id=row["authorization_id"],
        authorized_at=row["authorized_at"],
        expires_at=row["expires_at"],
        failure_reason=row["failure_reason"],
        is_retriable=row["is_retriable"],
        failed_at=row["failed_at"],
        transaction_id=row["transaction_id"],
        captured_amount=row["captured_amount"],
        captured_at=row["captured_at"],
        voided_at=row["voided_at"],
        refunded_at=row["refunded_at"],
        created_at=row["created_at"],
    )
