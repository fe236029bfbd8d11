"""Inventory's message handlers: thin adapters from contracts to the ledger and back.

Consumed (from Orders): ``OrderPlaced`` -> reserve all lines or none;
``ReservationCommitRequested`` -> ship the reserved units; ``ReservationReleaseRequested``
-> return them. Published: ``ReservationConfirmed`` or ``ReservationFailed`` (once per
order), ``ReservationCommitted`` (once), ``ReservationReleased`` (once; also for an order
with nothing reserved, so the saga's compensation always completes). A Committed order
is never released: that request is logged and answered with nothing.

Every handler runs in the transaction that records the inbox row, and the ledger's order
row makes it idempotent by itself as well (a duplicate or late message changes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.contracts.messages import (
    OrderPlaced,
    ReservationCommitRequested,
    ReservationCommitted,
    ReservationConfirmed,
    ReservationFailed,
    ReservationReleased,
    ReservationReleaseRequested,
    ReservedLine,
)
from services.inventory.domain import RequestedLine, Shortage, Step
from services.inventory.ports import InventoryLedger
from services.kernel.messaging import AnySubscription, HandlerContext, Subscription

log = logging.getLogger(__name__)

LedgerFactory = Callable[[Any], InventoryLedger]
"""Builds the ledger on the handler's connection (``PostgresLedger``, or a fake in tests)."""

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InventoryHandlers:
    def __init__(self, ledger_for: LedgerFactory, clock: Clock = _utc_now) -> None:
        self._ledger_for = ledger_for
        self._clock = clock

    def subscriptions(self) -> list[AnySubscription]:
        return [
            Subscription(OrderPlaced, self.on_order_placed),
            Subscription(ReservationCommitRequested, self.on_commit_requested),
            Subscription(ReservationReleaseRequested, self.on_release_requested),
        ]

    async def on_order_placed(self, ctx: HandlerContext, message: OrderPlaced) -> None:
        now = self._clock()
        lines = [RequestedLine(line.sku, line.quantity) for line in message.line_items]
        outcome = await self._ledger_for(ctx.conn).reserve(message.order_id, lines, now)
        if outcome is None:
            log.info("order %s already decided; OrderPlaced ignored", message.order_id)
        elif isinstance(outcome, Shortage):
            await ctx.publish(
                ReservationFailed(
                    order_id=message.order_id,
                    sku=outcome.sku,
                    requested_quantity=outcome.requested,
                    available_quantity=outcome.available,
                    reason=outcome.reason,
                    failed_at=now,
                )
            )
        else:
            reserved = [
                ReservedLine(
                    reservation_id=allocation.reservation_id,
                    sku=allocation.sku,
                    warehouse_id=allocation.warehouse_id,
                    quantity=allocation.quantity,
                )
                for allocation in outcome
            ]
            await ctx.publish(
                ReservationConfirmed(
                    order_id=message.order_id, reservations=reserved, reserved_at=now
                )
            )

    async def on_commit_requested(
        self, ctx: HandlerContext, message: ReservationCommitRequested
    ) -> None:
        now = self._clock()
        step = await self._ledger_for(ctx.conn).commit(message.order_id, now)
        if step is Step.APPLY:
            await ctx.publish(ReservationCommitted(order_id=message.order_id, committed_at=now))
        elif step is Step.REFUSED:
            log.warning("commit of order %s refused: nothing is reserved", message.order_id)

    async def on_release_requested(
        self, ctx: HandlerContext, message: ReservationReleaseRequested
    ) -> None:
        now = self._clock()
        step = await self._ledger_for(ctx.conn).release(message.order_id, message.reason, now)
        if step in (Step.APPLY, Step.ANSWER, Step.TOMBSTONE):
            await ctx.publish(
                ReservationReleased(
                    order_id=message.order_id, reason=message.reason, released_at=now
                )
            )
        elif step is Step.REFUSED:
            log.warning("release of order %s refused: it is already committed", message.order_id)
