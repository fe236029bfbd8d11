"""`sandbox loadtest --with SCENARIO`: a chaos scenario's faults during a load test, and the
chaos verdicts applied to every order of that load.

The scenario's own workload is ignored: the load test's customers are the workload. Its
faults keep their timeline, counted from the moment the load generator reports it has
started. Whatever happens (a failed engine, Ctrl-C), every fault is rolled back and every
component started again before the command returns. Then the system is drained and each
checkout's order is judged like a chaos run's: not lost, not applied twice, stock conserved,
dead letters explained, faults happened, nothing left behind.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chaos import verdicts
from chaos.checks.recovery import check_faults_happened
from chaos.plan import GOOD_CARD, PlannedOrder
from chaos.runner import ChaosRun, RunSettings
from chaos.scenario import Scenario, expand_faults
from chaos.target import Target
from chaos.workload import Attempt, WorkloadRecord
from reports.model import Check, FaultRecord
from sandbox.backends.process import ProcessBackend
from sandbox.chaos_cli import prepare
from sandbox.chaos_control import SupervisedControl, target_of
from sandbox.errors import ConfigError, SandboxError

Engine = Callable[[Callable[[], None]], dict[str, Any]]


@dataclass
class FaultedLoad:
    """A scenario's faults, ready to run beside a load test, and its baseline."""

    run: ChaosRun
    target: Target
    steady: Check
    baseline: verdicts.Baseline | None = None

    @property
    def scenario(self) -> Scenario:
        return self.run.scenario

    def faults_end_s(self) -> float:
        return max((f.at_s + f.duration_s for f in self.run.settings.faults), default=0.0)


def prepare_faults(
    backend: ProcessBackend, name: str, params: dict[str, str], seed: int, duration_s: float
) -> FaultedLoad:
    """The scenario's faults for this sandbox; ConfigError if they do not fit the load, and
    NotReady unless the sandbox is in its steady state (ready, no fault left active)."""
    scenarios = prepare(backend, name, params)
    if len(scenarios) != 1:
        raise ConfigError("--with runs one scenario: give the parameter one value, not `all`")
    runtime = backend.runtime()
    target = target_of(runtime)
    scenario = scenarios[0]
    faults = expand_faults(scenario, seed, links=list(target.links), services=list(target.services))
    run = ChaosRun(target, SupervisedControl(runtime, backend.supervisor), scenario,
                   RunSettings(seed, faults))  # fmt: skip
    load = FaultedLoad(run, target, run.steady_state())
    if load.faults_end_s() >= duration_s:
        raise ConfigError(
            f"{scenario.name}'s faults end {load.faults_end_s():g} s into the run; "
            f"give a --duration longer than that"
        )
    if not load.steady.passed:
        raise SandboxError(
            f"not in a steady state, so no load and no fault was started: {load.steady.summary}"
        )
    return load


def run_with_faults(load: FaultedLoad, engine: Engine) -> tuple[dict[str, Any], list[FaultRecord]]:
    """Run the engine (in a thread: it drives the live view) with the faults beside it."""
    return asyncio.run(_drive(load, engine))


async def _drive(load: FaultedLoad, engine: Engine) -> tuple[dict[str, Any], list[FaultRecord]]:
    load.baseline = await verdicts.take_baseline(load.target)
    loop = asyncio.get_running_loop()
    began = asyncio.Event()

    def signal_start() -> None:
        loop.call_soon_threadsafe(began.set)

    engine_task = asyncio.create_task(asyncio.to_thread(engine, signal_start))
    began_task = asyncio.create_task(began.wait())
    fault_task: asyncio.Task[list[FaultRecord]] | None = None
    timeline: list[FaultRecord] = []
    try:
        await asyncio.wait({engine_task, began_task}, return_when=asyncio.FIRST_COMPLETED)
        if began.is_set():
            load.run.faults.started_monotonic = time.monotonic()
            fault_task = asyncio.create_task(load.run.faults.run(load.run.settings.faults))
            await asyncio.wait({engine_task, fault_task}, return_when=asyncio.FIRST_COMPLETED)
            if not (engine_task.done() and engine_task.exception() is not None):
                timeline = await fault_task
        output = await engine_task
    finally:
        began_task.cancel()
        if fault_task is not None and not fault_task.done():
            fault_task.cancel()
            await asyncio.gather(fault_task, return_exceptions=True)
        await load.run.rollback()
    return output, timeline


def judge_faulted(
    load: FaultedLoad, output: dict[str, Any], timeline: list[FaultRecord], started: datetime
) -> list[Check]:
    """The chaos verdicts over every checkout of the load (after draining the system)."""
    return asyncio.run(_judge(load, output, timeline, started))


async def _judge(
    load: FaultedLoad, output: dict[str, Any], timeline: list[FaultRecord], started: datetime
) -> list[Check]:
    assert load.baseline is not None, "the baseline is taken before the load starts"
    record = workload_record(output)
    customers = sorted({a.customer_id for a in record.attempts if a.customer_id})
    drained, orders = await verdicts.drain(
        load.target, customers, started, {}, load.scenario.recovery_deadline_s
    )
    checks = [load.steady, drained]
    checks += await verdicts.durability_checks(load.target, record, orders, load.baseline)
    checks.append(check_faults_happened(timeline))
    checks.append(load.run.rolled_back_check())
    return checks


def workload_record(output: dict[str, Any]) -> WorkloadRecord:
    """The load's checkouts in the chaos harness's terms: each with its order id when the
    Storefront answered one (acknowledged), else failed (looked up, never ignored)."""
    attempts = []
    for index, checkout in enumerate(output.get("checkouts", [])):
        order_id = checkout.get("order_id")
        attempts.append(
            Attempt(
                planned=PlannedOrder(index, 0, (), GOOD_CARD, 0.0),
                customer_id=checkout.get("customer_id") or None,
                order_id=order_id,
                outcome="acknowledged" if order_id else "failed",
            )
        )
    return WorkloadRecord(attempts)
