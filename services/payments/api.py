"""HTTP routes of Payments (read-only; payments change only through messages).

``GET /api/payments/{paymentId}`` (404 if unknown) and ``GET /api/payments?orderId=``
(a list of zero or one payment, for checkers). A malformed id is a 400 problem.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query

from services.kernel.problems import problem_doc
from services.kernel.runtime import RuntimeDep
from services.payments.domain import PaymentStore
from services.payments.models import PaymentList, PaymentView
from services.payments.store import PostgresPayments

PREFIX = "/api/payments"

router = APIRouter(prefix=PREFIX, tags=["payments"], responses=problem_doc(400, 503))


def get_store(runtime: RuntimeDep) -> PaymentStore:
    """The payment store of this process (tests override this dependency)."""
    return PostgresPayments(runtime.database.pool)


StoreDep = Annotated[PaymentStore, Depends(get_store)]


@router.get("", response_model_exclude_none=True)
async def find_payments(
    store: StoreDep, order_id: Annotated[UUID, Query(alias="orderId")]
) -> PaymentList:
    payment = await store.by_order(order_id)
    return PaymentList(payments=[] if payment is None else [PaymentView.from_domain(payment)])


@router.get("/{paymentId}", response_model_exclude_none=True, responses=problem_doc(404))
async def get_payment(
    payment_id: Annotated[UUID, Path(alias="paymentId")], store: StoreDep
) -> PaymentView:
    return PaymentView.from_domain(await store.get(payment_id))
