"""The cart use cases: each one a single transaction with its integration message.

A change locks the cart row, lets the domain decide, writes what changed and
publishes the matching message (ItemAdded, ItemQuantityChanged, ItemRemoved,
CartCleared, CheckoutInitiated) through the outbox in the same transaction, so
the message leaves if and only if the change committed. A new line is priced
by the catalog *before* the transaction opens: no row lock is held across an
HTTP call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.contracts import messages as contract
from services.kernel.db import Database
from services.kernel.errors import Conflict
from services.kernel.ids import uuid7
from services.shopping import store
from services.shopping.catalog_client import PriceSource
from services.shopping.domain import Cart, CartNotFound

Publish = Callable[[Any, contract.Message], Awaitable[None]]
"""``messaging.publish``: write a message to the outbox on the given connection."""


class CartService:
    def __init__(self, database: Database, prices: PriceSource, publish: Publish) -> None:
        self._database = database
        self._prices = prices
        self._publish = publish

    async def open_cart(
        self, customer_id: UUID | None, session_id: str | None
    ) -> tuple[UUID, bool]:
        """A new active cart, or the customer's existing one: ``(cart_id, created)``."""
        pool = self._database.pool
        for _ in range(3):  # the existing cart may close between the insert and the read
            created = await store.insert_cart(pool, uuid7(), customer_id, session_id)
            if created is not None:
                return created, True
            assert customer_id is not None  # only a customer's cart can collide
            existing = await store.active_cart_id(pool, customer_id)
            if existing is not None:
                return existing, False
        raise Conflict(f"the active cart of customer {customer_id} kept changing; retry")

    async def get(self, cart_id: UUID) -> Cart:
        return await store.load_cart(self._database.pool, cart_id)

    async def active_cart_of(self, customer_id: UUID) -> Cart:
        pool = self._database.pool
        cart_id = await store.active_cart_id(pool, customer_id)
        if cart_id is None:
            raise CartNotFound(f"customer {customer_id} has no active cart")
        return await store.load_cart(pool, cart_id)

    async def add_item(self, cart_id: UUID, sku: str, quantity: int) -> Cart:
        unit_price = await self._prices.price_of(sku)
        async with self._locked(cart_id) as (conn, cart):
            changed = cart.add_item(sku, quantity, unit_price)
            line = changed.line(sku)
            assert line is not None
            await store.save_line(conn, cart_id, line)
            await self._publish(
                conn,
                contract.ItemAdded(
                    cart_id=cart_id,
                    customer_id=cart.customer_id,
                    sku=sku,
                    quantity=quantity,
                    unit_price=line.unit_price,
                    added_at=_now(),
                ),
            )
        return changed

    async def change_quantity(self, cart_id: UUID, sku: str, new_quantity: int) -> Cart:
        async with self._locked(cart_id) as (conn, cart):
            changed = cart.change_quantity(sku, new_quantity)
            old, new = cart.line(sku), changed.line(sku)
            assert old is not None
            assert new is not None
            if old == new:
                return changed  # nothing changed, nothing to announce
            await store.save_line(conn, cart_id, new)
            await self._publish(
                conn,
                contract.ItemQuantityChanged(
                    cart_id=cart_id,
                    customer_id=cart.customer_id,
                    sku=sku,
                    old_quantity=old.quantity,
                    new_quantity=new_quantity,
                    changed_at=_now(),
                ),
            )
        return changed

    async def remove_item(self, cart_id: UUID, sku: str) -> Cart:
        async with self._locked(cart_id) as (conn, cart):
            changed = cart.remove_item(sku)
            await store.delete_line(conn, cart_id, sku)
            await self._publish(
                conn,
                contract.ItemRemoved(
                    cart_id=cart_id, customer_id=cart.customer_id, sku=sku, removed_at=_now()
                ),
            )
        return changed

    async def clear(self, cart_id: UUID, reason: str) -> Cart:
        async with self._locked(cart_id) as (conn, cart):
            changed = cart.clear(reason)
            await store.close_cart(conn, changed)
            await self._publish(
                conn,
                contract.CartCleared(
                    cart_id=cart_id, customer_id=cart.customer_id, reason=reason, cleared_at=_now()
                ),
            )
        return changed

    async def check_out(self, cart_id: UUID) -> Cart:
        """Close the cart and hand its lines to Orders (CheckoutInitiated)."""
        async with self._locked(cart_id) as (conn, cart):
            changed = cart.check_out(uuid7())
            assert changed.checkout_id is not None
            await store.close_cart(conn, changed)
            await self._publish(
                conn,
                contract.CheckoutInitiated(
                    checkout_id=changed.checkout_id,
                    cart_id=cart_id,
                    customer_id=cart.customer_id,
                    items=[
                        contract.CartLine(
                            sku=line.sku, quantity=line.quantity, unit_price=line.unit_price
                        )
                        for line in changed.lines
                    ],
                    initiated_at=_now(),
                ),
            )
        return changed

    @asynccontextmanager
    async def _locked(self, cart_id: UUID) -> AsyncIterator[tuple[Any, Cart]]:
        """A transaction holding the cart's row lock, and the cart as locked."""
        async with self._database.pool.acquire() as conn, conn.transaction():
            yield conn, await store.load_cart(conn, cart_id, lock=True)


def _now() -> datetime:
    return datetime.now(UTC)
