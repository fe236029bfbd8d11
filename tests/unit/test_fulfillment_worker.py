"""The autopilot task: it sleeps until the next due step and wakes early when told.

The shipment service is a fake that records when each round ran and answers
with scripted outcomes; the LISTEN connection points at a closed port (it just
keeps retrying), and notifications are delivered by calling the callback the
way asyncpg would. Every wait is bounded by a deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from services.fulfillment.shipment_service import BatchOutcome
from services.fulfillment.store import DUE_CHANNEL
from services.fulfillment.worker import AutopilotWorker

CLOSED_DSN = "postgresql://f:pw@127.0.0.1:1/f"


class ScriptedShipments:
    """Stands in for ShipmentService.advance_due: one outcome per round, then idle."""

    def __init__(self, *outcomes: BatchOutcome | Exception) -> None:
        self.outcomes = list(outcomes)
        self.rounds: list[float] = []
        self.round_done = asyncio.Event()

    async def advance_due(self, limit: int) -> BatchOutcome:
        self.rounds.append(asyncio.get_running_loop().time())
        self.round_done.set()
        outcome = self.outcomes.pop(0) if self.outcomes else BatchOutcome(0, None)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def until(condition: Callable[[], bool], deadline_s: float = 3.0) -> None:
    async with asyncio.timeout(deadline_s):
        while not condition():
            await asyncio.sleep(0.005)


def run(
    scenario: Callable[[AutopilotWorker, ScriptedShipments], Awaitable[None]],
    fake: ScriptedShipments,
) -> None:
    async def main() -> None:
        worker = AutopilotWorker(fake, dsn=CLOSED_DSN, batch_size=10, poll_cap_s=5.0)  # type: ignore[arg-type]
        worker.start()
        try:
            await scenario(worker, fake)
        finally:
            await worker.stop()

    asyncio.run(main())


def test_it_sleeps_until_the_next_step_is_due() -> None:
    async def scenario(_worker: AutopilotWorker, fake: ScriptedShipments) -> None:
        await until(lambda: len(fake.rounds) >= 2)
        gap = fake.rounds[1] - fake.rounds[0]
        assert 0.25 <= gap < 1.0

    run(scenario, ScriptedShipments(BatchOutcome(1, 0.3)))


def test_a_full_round_is_followed_at_once_by_another() -> None:
    async def scenario(_worker: AutopilotWorker, fake: ScriptedShipments) -> None:
        await until(lambda: len(fake.rounds) >= 3)
        assert fake.rounds[2] - fake.rounds[0] < 0.2

    run(scenario, ScriptedShipments(BatchOutcome(10, 0.0), BatchOutcome(10, 0.0)))


def test_a_notification_of_an_earlier_step_wakes_it() -> None:
    async def scenario(worker: AutopilotWorker, fake: ScriptedShipments) -> None:
        await until(lambda: len(fake.rounds) == 1)  # then it would sleep the 5 s cap
        worker._on_notify(None, 0, DUE_CHANNEL, str(time.time() + 0.2))
        notified = asyncio.get_running_loop().time()
        await until(lambda: len(fake.rounds) == 2)
        assert 0.15 <= fake.rounds[1] - notified < 1.0

    run(scenario, ScriptedShipments(BatchOutcome(0, None)))


def test_a_notification_of_a_later_step_does_not() -> None:
    async def scenario(worker: AutopilotWorker, fake: ScriptedShipments) -> None:
        await until(lambda: len(fake.rounds) == 1)
        worker._on_notify(None, 0, DUE_CHANNEL, str(time.time() + 30))
        await until(lambda: len(fake.rounds) == 2)
        assert 0.4 <= fake.rounds[1] - fake.rounds[0] < 1.5  # the due step it knew of

    run(scenario, ScriptedShipments(BatchOutcome(1, 0.5)))


def test_rounds_are_spaced_so_a_burst_shares_one_transaction() -> None:
    async def scenario(worker: AutopilotWorker, fake: ScriptedShipments) -> None:
        await until(lambda: len(fake.rounds) == 1)
        for _ in range(50):
            worker._on_notify(None, 0, DUE_CHANNEL, str(time.time()))
        await until(lambda: len(fake.rounds) == 2)
        await asyncio.sleep(0.2)  # an observation window, not a wait for a condition
        assert len(fake.rounds) <= 4  # not one round per notification

    run(scenario, ScriptedShipments(BatchOutcome(0, None)))


def test_a_failing_round_is_retried() -> None:
    async def scenario(_worker: AutopilotWorker, fake: ScriptedShipments) -> None:
        await until(lambda: len(fake.rounds) >= 3)

    run(scenario, ScriptedShipments(ConnectionRefusedError("db down"), OSError("still down")))
