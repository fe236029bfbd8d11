"""The ports of the Orders service: where checkouts and orders live, and the unit of work.

A ``UnitOfWork`` is one database transaction seen through the two stores plus
``publish`` (the transactional outbox). HTTP routes open one from a
``UnitOfWorkFactory``; message handlers build one around the messaging
layer's ``HandlerContext`` (its connection is already inside the inbox
transaction). Real adapters: ``checkout_store`` and ``order_store``; fakes:
``services.orders.memory``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID

from services.contracts.messages import Message
from services.orders.checkout import Checkout
from services.orders.order import HistoryEntry, Order
from services.orders.saga import Transition

Publish = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class OrderRecord:
    """An order with its status history, oldest entry first."""

    order: Order
    history: tuple[HistoryEntry, ...]


@dataclass(frozen=True)
class OrderPage:
    """One page of a customer's orders, newest first."""

    orders: tuple[Order, ...]
    total_count: int


class CheckoutStore(Protocol):
    """Where checkouts live."""

    async def open(self, checkout: Checkout) -> bool:
        """Insert ``checkout`` unless its id exists; True if it was new."""
        ...

    async def get(self, checkout_id: UUID, *, lock: bool = False) -> Checkout | None:
        """The checkout, or None; ``lock`` holds its row until the transaction ends."""
        ...

    async def save(self, checkout: Checkout) -> None: ...


class OrderStore(Protocol):
    """Where orders and their history live."""

    async def add(self, order: Order, history: Sequence[HistoryEntry]) -> None: ...

    async def lock(self, order_id: UUID) -> Order | None:
        """The order with its row locked until the transaction ends, or None."""
        ...

    async def save(self, order: Order, history: Sequence[HistoryEntry]) -> None:
        """Write the order's new state and append ``history``."""
        ...

    async def record(self, order_id: UUID) -> OrderRecord | None: ...

    async def for_customer(self, customer_id: UUID, *, page: int, page_size: int) -> OrderPage: ...

    async def lock_overdue(self, older_than: timedelta, limit: int) -> list[Order]:
        """Up to ``limit`` orders still awaiting stock or payment and placed more than
        ``older_than`` ago, locked; rows other transactions hold are skipped."""
        ...


@dataclass(frozen=True)
class UnitOfWork:
    checkouts: CheckoutStore
    orders: OrderStore
    publish: Publish

    async def apply(self, before: Order, transition: Transition) -> None:
        """Persist a saga step (if it changed anything) and publish what it sent."""
        if transition.order != before:
            await self.orders.save(transition.order, transition.history)
        for message in transition.outbox:
            await self.publish(message)


class UnitOfWorkFactory(Protocol):
    """Opens units of work for HTTP routes and background tasks."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work in one transaction, committed when the block exits normally."""
        ...

    def reading(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work for reads only (no transaction; publishing is refused)."""
        ...
