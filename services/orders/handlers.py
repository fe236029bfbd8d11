"""Message handlers of the Orders service: open checkouts, and drive the order saga.

Each handler runs in the messaging layer's inbox transaction (see
``services.kernel.messaging``): it locks the order row (``SELECT ... FOR UPDATE``;
deliveries for one order may be handled concurrently), applies the pure saga,
saves the result and writes the resulting messages to the outbox, all in that
transaction. A message about an order this service never placed can never
succeed and is dead-lettered at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from services.contracts.messages import CheckoutInitiated
from services.kernel.messaging import HandlerContext, PermanentError, Subscription
from services.orders import saga
from services.orders.metrics import OrdersMetrics
from services.orders.ports import UnitOfWork
from services.orders.units import handler_unit_of_work
from services.orders.wizard import open_checkout

log = logging.getLogger(__name__)

ANONYMOUS = UUID(int=0)
"""The all-zero customer id the original system gave anonymous carts."""

BindUnitOfWork = Callable[[HandlerContext], UnitOfWork]


class OrderHandlers:
    """The subscriptions of the Orders service, with their collaborators."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        metrics: OrdersMetrics,
        bind: BindUnitOfWork = handler_unit_of_work,
    ) -> None:
        self._now = now
        self._metrics = metrics
        self._bind = bind

    def subscriptions(self) -> list[Subscription[Any]]:
        found: list[Subscription[Any]] = [
            Subscription(message_type=CheckoutInitiated, handler=self.checkout_initiated)
        ]
        found.extend(
            Subscription(message_type=message_type, handler=self.saga_step)
            for message_type in saga.SAGA_MESSAGE_TYPES
        )
        return found

    async def checkout_initiated(self, ctx: HandlerContext, message: CheckoutInitiated) -> None:
        if message.customer_id == ANONYMOUS:
            message = message.model_copy(update={"customer_id": None})
        if not await open_checkout(self._bind(ctx), message):
            log.debug("checkout %s already open", message.checkout_id)

    async def saga_step(self, ctx: HandlerContext, message: saga.SagaMessage) -> None:
        order_id = message.order_id
        uow = self._bind(ctx)
        order = await uow.orders.lock(order_id)
        if order is None:
            raise PermanentError(f"{message.type_name()} for unknown order {order_id}")
        transition = saga.react(order, message, self._now())
        await uow.apply(order, transition)
        self._metrics.observe(order, transition)
