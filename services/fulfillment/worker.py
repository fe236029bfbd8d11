"""The autopilot's background task: take every due step, then sleep until the next one.

Durable by construction: the schedule is ``shipments.next_step_at``, so a
restarted process (or the other replica) carries on where a crashed one
stopped; nothing lives only in memory. Each round claims due shipments ``FOR
UPDATE SKIP LOCKED`` (replicas split the work) and learns when the earliest
remaining step is due; the task then sleeps until that moment, but

* sooner when a ``fulfillment_due`` notification (a new shipment or a manual
  step, committed by any replica) carries an earlier due time: the payload
  holds it, so the many notifications of a burst cost no query;
* at the latest after ``poll_cap_s``, which covers notifications missed while
  the dedicated LISTEN connection was being re-opened;
* but never sooner than ``_ROUND_INTERVAL_S`` after the last round began (unless
  that round was full), so under load one transaction takes many steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import Any

import asyncpg

from services.fulfillment.shipment_service import ShipmentService
from services.fulfillment.store import DUE_CHANNEL
from services.kernel.logs import describe_error
from services.kernel.retry import Backoff, wait_for_event

log = logging.getLogger(__name__)

_LISTENER_CHECK_S = 10.0  # how often an idle listener proves its link still answers
# Rounds start at least this far apart: under load one round takes the steps of many
# shipments (one transaction instead of one each), for at most this much lateness.
_ROUND_INTERVAL_S = 0.05


class AutopilotWorker:
    def __init__(
        self,
        shipments: ShipmentService,
        *,
        dsn: str,
        batch_size: int = 100,
        poll_cap_s: float = 2.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._shipments = shipments
        self._dsn = dsn
        self._batch_size = batch_size
        self._poll_cap_s = poll_cap_s
        self._backoff = backoff or Backoff(initial_s=0.2, cap_s=2.0)
        self._wake_at = -math.inf  # loop time of the next round; lowered by notifications
        self._not_before = -math.inf  # loop time before which no round starts
        self._woken = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._advance_forever(), name="fulfillment-autopilot"),
            asyncio.create_task(self._listen_forever(), name="fulfillment-autopilot-listener"),
        ]

    async def stop(self, grace_s: float = 5.0) -> None:
        """Let a round in flight finish (up to ``grace_s``), then stop both tasks. A round
        cut short rolls back and is redone by whichever process runs next."""
        self._stop.set()
        self._woken.set()
        advancing, listening = self._tasks or (None, None)
        if listening is not None:
            listening.cancel()
        if advancing is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(advancing), grace_s)
            advancing.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def wake_by(self, loop_time: float) -> None:
        """Make the next round start no later than ``loop_time`` (or the round interval)."""
        loop_time = max(loop_time, self._not_before)
        if loop_time < self._wake_at:
            self._wake_at = loop_time
            self._woken.set()

    async def _advance_forever(self) -> None:
        loop = asyncio.get_running_loop()
        delays = self._backoff.delays()
        failing = ever_ran = False
        while not self._stop.is_set():
            # From here on, notifications lower the wake-up time of the coming pause:
            # a step committed during the round is either seen by it or announced after.
            self._wake_at = math.inf
            self._not_before = loop.time() + _ROUND_INTERVAL_S
            try:
                outcome = await self._shipments.advance_due(self._batch_size)
            except Exception as exc:
                # One warning per outage (database down, link cut), then quiet retries;
                # before the first round the database is usually still starting.
                log.log(
                    logging.WARNING if ever_ran and not failing else logging.DEBUG,
                    "autopilot paused: %s; due shipments wait in the database",
                    describe_error(exc),
                )
                failing = True
                await wait_for_event(self._stop, next(delays))
                continue
            if failing and ever_ran:
                log.info("autopilot resumed")
            failing, ever_ran, delays = False, True, self._backoff.delays()
            if outcome.advanced == self._batch_size:
                continue  # more may be due right now
            pause = self._poll_cap_s
            if outcome.seconds_to_next_due is not None:
                pause = min(pause, outcome.seconds_to_next_due)
            self.wake_by(loop.time() + pause)
            await self._sleep_until_wake(loop)

    async def _sleep_until_wake(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._stop.is_set():
            remaining = self._wake_at - loop.time()
            if remaining <= 0:
                return
            self._woken.clear()
            await wait_for_event(self._woken, remaining)

    async def _listen_forever(self) -> None:
        delays = self._backoff.delays()
        while not self._stop.is_set():
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    timeout=5.0,
                    server_settings={"application_name": "fulfillment-autopilot-listener"},
                )
            except Exception as exc:
                log.debug("autopilot listener cannot connect: %s", describe_error(exc))
                await wait_for_event(self._stop, next(delays))
                continue
            delays = self._backoff.delays()
            try:
                await self._listen_on(connection)
            except Exception as exc:
                log.debug("autopilot listener lost its connection: %s", describe_error(exc))
            finally:
                with contextlib.suppress(Exception):
                    connection.terminate()

    async def _listen_on(self, connection: Any) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(DUE_CHANNEL, self._on_notify)
        self.wake_by(-math.inf)  # catch up on steps scheduled while nobody listened
        while not await wait_for_event(lost, _LISTENER_CHECK_S):
            # A link cut without a FIN is only noticed by using it.
            async with asyncio.timeout(5.0):
                await connection.fetchval("SELECT 1")

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        loop_now = asyncio.get_running_loop().time()
        try:
            due_in = float(payload) - time.time()
        except ValueError:
            due_in = 0.0  # no due time given: look now
        self.wake_by(loop_now + max(0.0, due_in))
