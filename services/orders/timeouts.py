"""The saga deadline, driven durably from the database.

Every replica runs one ``SagaDeadlineWatch``. Each sweep is one transaction:
lock up to ``batch_size`` orders that still await stock or payment and were
placed more than the timeout ago (``FOR UPDATE SKIP LOCKED``, so replicas and
message handlers never wait for each other or cancel an order twice), apply
the saga's ``DeadlinePassed`` step (Cancelled "timeout", release and void as
needed), persist, write the messages to the outbox, commit. Nothing is held
in memory between sweeps, so a restart loses no deadline: an order placed
before a crash is found by the next sweep of any replica.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from services.kernel.db import TRANSIENT_DB_ERRORS
from services.kernel.errors import DependencyUnavailable
from services.kernel.logs import describe_error
from services.kernel.retry import wait_for_event
from services.orders import saga
from services.orders.metrics import OrdersMetrics
from services.orders.order import OrderStatus
from services.orders.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)

# Outages worth only a warning: the next sweep retries once the database is back.
_OUTAGES: tuple[type[Exception], ...] = (DependencyUnavailable, *TRANSIENT_DB_ERRORS)


class SagaDeadlineWatch:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        *,
        timeout: timedelta,
        now: Callable[[], datetime],
        metrics: OrdersMetrics,
        batch_size: int = 100,
    ) -> None:
        self._units = units
        self._timeout = timeout
        self._now = now
        self._metrics = metrics
        self._batch_size = batch_size
        # A fifth of the timeout keeps a cancel within 20% of its deadline; 5 s at most
        # keeps the idle cost at one indexed query per replica every few seconds.
        self.interval_s = min(max(timeout.total_seconds() / 5, 0.2), 5.0)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until ``stop`` is set; errors are logged and the next sweep retries."""
        while not stop.is_set():
            swept = 0
            try:
                swept = await self.sweep()
            except _OUTAGES as exc:
                log.warning("saga deadline sweep skipped: %s", describe_error(exc))
            except Exception:
                log.exception("saga deadline sweep failed")
            if swept < self._batch_size:  # a full batch means more are waiting: go on
                await wait_for_event(stop, self.interval_s)

    async def sweep(self) -> int:
        """Cancel the overdue orders of one batch; return how many were overdue."""
        cancelled = 0
        async with self._units.transaction() as uow:
            overdue = await uow.orders.lock_overdue(self._timeout, self._batch_size)
            for order in overdue:
                transition = saga.react(order, saga.DeadlinePassed(order.id), self._now())
                await uow.apply(order, transition)
                if transition.order.status is OrderStatus.CANCELLED:
                    cancelled += 1
        if cancelled:  # counted after commit: a rolled-back sweep cancelled nothing
            self._metrics.saga_timeouts.inc(cancelled)
            self._metrics.cancelled.labels(reason="timeout").inc(cancelled)
            log.info("cancelled %d orders past their saga deadline", cancelled)
        return len(overdue)
