"""HTTP routes for reading orders (orders change only through the saga's messages).

* ``GET /api/orders/{id}``: status, lines, totals, address and status history; 404 if
  unknown, 400 for an id that is not a UUID.
* ``GET /api/orders?customerId=&page=1&pageSize=20``: a customer's orders, newest
  first, as ``{orders: [{orderId, customerId, placedAt, status, totalAmount,
  itemCount}], page, pageSize, totalCount}``; ``customerId`` is required.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.kernel.errors import NotFound
from services.kernel.problems import problem_doc
from services.orders.deps import UnitsDep
from services.orders.views import OrderListView, OrderView

PREFIX = "/api/orders"

router = APIRouter(prefix=PREFIX, tags=["orders"], responses=problem_doc(400, 503))


class OrderNotFound(NotFound):
    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"order {order_id} not found")


@router.get("/{order_id}", response_model_exclude_none=True, responses=problem_doc(404))
async def get_order(order_id: UUID, units: UnitsDep) -> OrderView:
    async with units.reading() as uow:
        record = await uow.orders.record(order_id)
    if record is None:
        raise OrderNotFound(order_id)
    return OrderView.from_domain(record)


@router.get("", response_model_exclude_none=True)
async def list_orders(
    units: UnitsDep,
    customer_id: Annotated[UUID, Query(alias="customerId")],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> OrderListView:
    async with units.reading() as uow:
        found = await uow.orders.for_customer(customer_id, page=page, page_size=page_size)
    return OrderListView.from_domain(found, page=page, page_size=page_size)
