"""In-memory fakes of the Orders ports, with the observable behaviour of the real adapters.

``MemoryUnitOfWorkFactory`` serialises its transactions (one lock stands in for
row locks), rolls the stores back when a block raises, and keeps the messages
of committed transactions in ``published``, in order, as the outbox would send them.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.contracts.messages import Message
from services.orders.checkout import Checkout
from services.orders.order import HistoryEntry, Order
from services.orders.ports import OrderPage, OrderRecord, UnitOfWork


class MemoryCheckoutStore:
    def __init__(self) -> None:
        self.checkouts: dict[UUID, Checkout] = {}

    async def open(self, checkout: Checkout) -> bool:
        if checkout.id in self.checkouts:
            return False
        self.checkouts[checkout.id] = checkout
        return True

    async def get(self, checkout_id: UUID, *, lock: bool = False) -> Checkout | None:
        return self.checkouts.get(checkout_id)

    async def save(self, checkout: Checkout) -> None:
        self.checkouts[checkout.id] = checkout


class MemoryOrderStore:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.orders: dict[UUID, Order] = {}
        self.history: dict[UUID, list[HistoryEntry]] = {}
        self._clock = clock

    async def add(self, order: Order, history: Sequence[HistoryEntry]) -> None:
        if order.id in self.orders:
            raise ValueError(f"duplicate order {order.id}")
        self.orders[order.id] = order
        self.history[order.id] = list(history)

    async def lock(self, order_id: UUID) -> Order | None:
        return self.orders.get(order_id)

    async def save(self, order: Order, history: Sequence[HistoryEntry]) -> None:
        self.orders[order.id] = order
        self.history[order.id].extend(history)

    async def record(self, order_id: UUID) -> OrderRecord | None:
        order = self.orders.get(order_id)
        return None if order is None else OrderRecord(order, tuple(self.history[order_id]))

    async def for_customer(self, customer_id: UUID, *, page: int, page_size: int) -> OrderPage:
        mine = sorted(
            (order for order in self.orders.values() if order.customer_id == customer_id),
            key=lambda order: (order.placed_at, order.id),
            reverse=True,
        )
        start = (page - 1) * page_size
        return OrderPage(tuple(mine[start : start + page_size]), len(mine))

    async def lock_overdue(self, older_than: timedelta, limit: int) -> list[Order]:
        cutoff = self._clock() - older_than
        overdue = sorted(
            (o for o in self.orders.values() if o.awaits_deadline and o.placed_at <= cutoff),
            key=lambda order: order.placed_at,
        )
        return overdue[:limit]


class MemoryUnitOfWorkFactory:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.checkouts = MemoryCheckoutStore()
        self.orders = MemoryOrderStore(clock)
        self.published: list[Message] = []
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            saved = copy.deepcopy(
                (self.checkouts.checkouts, self.orders.orders, self.orders.history)
            )
            pending: list[Message] = []

            async def publish(message: Message) -> None:
                pending.append(message)

            try:
                yield UnitOfWork(self.checkouts, self.orders, publish)
            except BaseException:
                self.checkouts.checkouts, self.orders.orders, self.orders.history = saved
                raise
            self.published.extend(pending)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        async def refuse(message: Message) -> None:
            raise RuntimeError(f"cannot publish {message.type_name()} outside a transaction")

        yield UnitOfWork(self.checkouts, self.orders, refuse)

    def of_type(self, message_type: type[Message]) -> list[Message]:
        """The published messages of one type, in order."""
        return [message for message in self.published if isinstance(message, message_type)]
