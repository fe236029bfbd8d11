"""Units of work on PostgreSQL: for routes and background tasks, and for message handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from services.contracts.messages import Message
from services.kernel.db import Database
from services.kernel.messaging import HandlerContext
from services.orders.checkout_store import PostgresCheckoutStore
from services.orders.order_store import PostgresOrderStore
from services.orders.ports import UnitOfWork

PublishOnConnection = Callable[[Any, Message], Awaitable[None]]
"""``Messaging.publish(conn, message)``: an outbox write on the caller's connection."""


class PostgresUnitOfWorkFactory:
    """Opens units of work on the service's pool; ``publish`` writes to its outbox."""

    def __init__(self, database: Database, publish: PublishOnConnection) -> None:
        self._database = database
        self._publish = publish

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._database.pool.acquire() as conn, conn.transaction():

            async def publish(message: Message) -> None:
                await self._publish(conn, message)

            yield _unit(conn, publish)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        async with self._database.pool.acquire() as conn:
            yield _unit(conn, _refuse_publish)


def handler_unit_of_work(ctx: HandlerContext) -> UnitOfWork:
    """The unit of work of one delivery: the inbox transaction's connection and outbox."""
    return _unit(ctx.conn, ctx.publish)


def _unit(conn: Any, publish: Callable[[Message], Awaitable[None]]) -> UnitOfWork:
    return UnitOfWork(PostgresCheckoutStore(conn), PostgresOrderStore(conn), publish)


async def _refuse_publish(message: Message) -> None:
    raise RuntimeError(f"cannot publish {message.type_name()} outside a transaction")
