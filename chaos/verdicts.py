"""The durability verdicts of a run, whoever drove the orders (a chaos workload or a load test).

``take_baseline`` reads what the checks compare against before any order is placed (stock,
dead-letter depths, the instant the stock ledger starts); ``durability_checks`` waits for
the system to drain, then reads the ground truth of every order of the run's customers and
judges it: nothing acknowledged lost, nothing applied twice, stock conserved, every
dead-lettered message explained.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from chaos import broker_state, truth
from chaos.checks.durability import check_orders, check_stock
from chaos.quiescence import Quiet, wait_until_quiet
from chaos.sse_client import Listener
from chaos.target import Target
from chaos.workload import WorkloadRecord
from reports.model import Check


@dataclass(frozen=True)
class Baseline:
    since: datetime
    stock: dict[tuple[str, str], tuple[int, int]]
    dead_letters: dict[str, int]


async def take_baseline(target: Target) -> Baseline:
    since = datetime.now(UTC)
    stock = await asyncio.to_thread(truth.stock, target)
    return Baseline(since, stock, await dead_letter_counts(target))


async def drain(
    target: Target,
    customers: list[str],
    started: datetime,
    listeners: dict[str, Listener],
    deadline_s: float,
) -> tuple[Check, dict[str, truth.OrderTruth]]:
    """Wait until the system is quiet (or the deadline); the drained check and the truth of
    every order the customers placed since ``started``."""
    quiet = await wait_until_quiet(target, customers, started, listeners, deadline_s)
    orders = await asyncio.to_thread(truth.orders_of, target, customers, started)
    return drained_check(quiet), orders


async def durability_checks(
    target: Target,
    record: WorkloadRecord,
    orders: dict[str, truth.OrderTruth],
    baseline: Baseline,
) -> list[Check]:
    checks = check_orders(record, orders)
    stock_after = await asyncio.to_thread(truth.stock, target)
    committed, held = await asyncio.to_thread(truth.stock_ledger, target, baseline.since)
    checks.append(check_stock(baseline.stock, stock_after, committed, held))
    checks.append(await dead_letter_check(target, baseline.dead_letters))
    return checks


def drained_check(quiet: Quiet) -> Check:
    return Check(
        name="drained",
        passed=quiet.drained,
        summary=quiet.describe(),
        figures={"waited_s": round(quiet.waited_s, 1), "open_orders": quiet.open_orders},
    )


async def dead_letter_counts(target: Target) -> dict[str, int]:
    names = await asyncio.to_thread(broker_state.queue_names, target)
    dead = [n for n in names if broker_state.is_dead_letter_queue(n)]
    return await broker_state.depths(target, dead)


async def dead_letter_check(target: Target, before: dict[str, int]) -> Check:
    after = await dead_letter_counts(target)
    letters = []
    for queue, count in sorted(after.items()):
        if count > before.get(queue, 0):
            letters += await asyncio.to_thread(
                broker_state.dead_letters, target, queue, before.get(queue, 0)
            )
    unexplained = [d for d in letters if not d.error]
    return Check(
        name="dead-letters-explained",
        passed=not unexplained,
        summary=f"{len(letters)} messages dead-lettered during the run, "
        f"{len(unexplained)} without a recorded error",
        figures={"dead_lettered": len(letters), "unexplained": len(unexplained)},
        evidence=[f"{d.queue}: {d.type} ({d.routing_key}): {d.error or '?'}" for d in letters],
    )
