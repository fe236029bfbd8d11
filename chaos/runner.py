"""One chaos run: steady state, workload with faults on their timeline, drain, verdicts.

Whatever happens (a failed check, a crash of the harness, Ctrl-C), the faults are rolled
back before ``run`` returns or raises: no toxic left in Toxiproxy, no paused process, every
component started again and ready.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from chaos import truth, verdicts
from chaos.checks.isolation import check_streams
from chaos.checks.recovery import check_faults_happened, check_recovery
from chaos.faults import Fault
from chaos.metric_sampler import RunWatch
from chaos.network import NetworkInjector
from chaos.plan import plan_orders
from chaos.process_faults import ProcessInjector, resume_if_stopped
from chaos.scenario import Scenario
from chaos.target import ComponentControl, Target
from chaos.timeline import FaultRunner
from chaos.toxiproxy import Toxiproxy
from chaos.workload import Workload, WorkloadRecord
from reports.model import (
    Check,
    FaultRecord,
    MetricSnapshot,
    OrderPoint,
    RunResult,
    WorkloadStats,
)
from reports.sla import exact_percentile


@dataclass
class RunSettings:
    seed: int
    faults: tuple[Fault, ...]


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {f"p{p}": round(exact_percentile(values, p), 1) for p in (50, 90, 99)}


class ChaosRun:
    def __init__(
        self, target: Target, control: ComponentControl, scenario: Scenario, settings: RunSettings
    ) -> None:
        self.target = target
        self.control = control
        self.scenario = scenario
        self.settings = settings
        self.toxiproxy = Toxiproxy(target.toxiproxy_url)
        self.network = NetworkInjector(self.toxiproxy)
        self.faults = FaultRunner(ProcessInjector(control), self.network, target.amqp_url)
        self.watch = RunWatch(target.metrics)
        self.snapshots: list[MetricSnapshot] = []

    def heal(self) -> list[str]:
        """Undo what a harness killed mid-run left behind (toxics, cut links, frozen
        processes), so one crashed run does not poison the next one's steady state."""
        healed = [f"removed leftover: {item}" for item in self.network.leftovers()]
        if healed:
            self.network.rollback_all()
        for name in self.target.components:
            for pid in self.control.process_tree(name):
                if resume_if_stopped(pid):
                    healed.append(f"resumed frozen {name} process {pid}")
        return healed

    def steady_state(self) -> Check:
        healed = self.heal()
        not_ready = [name for name in self.target.components if not self.control.is_ready(name)]
        leftovers = self.network.leftovers()
        problems = [f"{name} not ready" for name in not_ready] + leftovers
        return Check(
            name="steady-state",
            passed=not problems,
            summary="every component ready, no fault active"
            if not problems
            else "; ".join(problems),
            evidence=healed,
        )

    async def run(self) -> RunResult:
        started = datetime.now(UTC)
        checks = [self.steady_state()]
        record: WorkloadRecord | None = None
        timeline: list[FaultRecord] = []
        figures: dict[str, int | float | str | None] = {}
        workload: Workload | None = None
        if checks[0].passed:
            try:
                workload, record, timeline, more = await self._exercise(started)
                checks += more
                figures["duplicate_deliveries"] = self.faults.duplicated()
            finally:
                await asyncio.to_thread(self.watch.close)
                await self.rollback()
                if workload is not None:
                    await workload.close()
        try:
            return self._result(started, record, timeline, checks, figures)
        finally:
            self.toxiproxy.close()

    async def _exercise(
        self, started: datetime
    ) -> tuple[Workload, WorkloadRecord, list[FaultRecord], list[Check]]:
        wanted = self.scenario.workload
        baseline = await verdicts.take_baseline(self.target)
        plan = plan_orders(
            customers=wanted.customers,
            orders=wanted.orders,
            rate=wanted.rate,
            decline_share=wanted.decline_share,
            seed=self.settings.seed,
            skus=await asyncio.to_thread(self._skus),
        )
        workload = Workload(
            self.target, plan, sse=wanted.sse, hostile=wanted.hostile,
            reconnect_every_s=wanted.reconnect_every_s,
        )  # fmt: skip
        await asyncio.to_thread(self.watch.begin)
        shopping = asyncio.create_task(workload.run())
        await asyncio.sleep(0)  # let the workload take its start time first
        self.faults.started_monotonic = workload.record.started_monotonic
        self.watch.started(workload.record.started_monotonic)
        timeline = await self.faults.run(self.settings.faults)
        record = await shopping
        customers = sorted(record.listeners) or sorted(
            {a.customer_id for a in record.attempts if a.customer_id}
        )
        drained, orders = await verdicts.drain(
            self.target, customers, started, record.listeners, self.scenario.recovery_deadline_s
        )
        await asyncio.to_thread(self.watch.finish)
        self.snapshots = self.watch.snapshots(timeline)
        checks = [drained]
        wanted_checks = set(self.scenario.checks)
        if "durability" in wanted_checks:
            checks += await verdicts.durability_checks(self.target, record, orders, baseline)
        if "isolation" in wanted_checks:
            finals = {o.order_id: o.status for o in orders.values() if o.status in truth.TERMINAL}
            checks += check_streams(record, finals)
        checks.append(check_faults_happened(timeline))
        if "recovery" in wanted_checks:
            completions = [
                o.confirmed_at.timestamp() - record.started_wall
                for o in orders.values()
                if o.confirmed_at is not None
            ]
            sent = [a.started_s for a in record.attempts if a.order_id and a.started_s]
            checks.append(
                check_recovery(
                    timeline,
                    completions,
                    wanted.rate,
                    self.scenario.recovery_deadline_s,
                    max(sent, default=None),
                )
            )
        return workload, record, timeline, checks

    def _skus(self) -> list[str]:
        answer = httpx.get(
            f"{self.target.storefront_urls[0]}/api/storefront/products",
            params={"pageSize": 20},
            timeout=10,
        )
        answer.raise_for_status()
        return [p["sku"] for p in answer.json()["products"] if p.get("inStock")]

    async def rollback(self) -> None:
        """Undo every fault (even one still running) and start any stopped component."""
        await self.faults.rollback_everything()
        await asyncio.to_thread(self._restore_components)

    def rolled_back_check(self) -> Check:
        leftovers = self.network.leftovers()
        return Check(
            name="rolled-back",
            passed=not leftovers,
            summary="no toxic or disabled proxy left after the run"
            if not leftovers
            else "; ".join(leftovers),
        )

    def _restore_components(self) -> None:
        for name in self.target.components:
            if not self.control.is_ready(name):
                self.control.start(name)

    def _result(
        self,
        started: datetime,
        record: WorkloadRecord | None,
        timeline: list[FaultRecord],
        checks: list[Check],
        figures: dict[str, int | float | str | None],
    ) -> RunResult:
        if checks[0].passed:
            checks.append(self.rolled_back_check())
        return RunResult(
            scenario=self.scenario.name,
            description=self.scenario.description,
            seed=self.settings.seed,
            arguments=dict(self.scenario.arguments),
            started_at=started.isoformat(),
            finished_at=datetime.now(UTC).isoformat(),
            sandbox={
                "port_base": self.target.port_base,
                "defects": ",".join(self.target.defects),
                "storefront_replicas": len(self.target.storefront_urls),
            },
            workload=_stats(record) if record else None,
            timeline=timeline,
            checks=checks,
            figures=figures,
            order_latency="checkout request sent -> its answer (the order accepted)",
            orders=_points(record) if record else [],
            snapshots=self.snapshots,
        )


def _points(record: WorkloadRecord) -> list[OrderPoint]:
    """Every checkout that was sent, on the fault timeline's clock (the workload's start)."""
    points = []
    for attempt in record.attempts:
        if attempt.outcome == "skipped" or attempt.started_s is None:
            continue
        latency = None
        if attempt.outcome == "acknowledged" and attempt.finished_s is not None:
            latency = round(attempt.finished_s - attempt.started_s, 6)
        outcome = "ok" if latency is not None else attempt.outcome
        points.append(
            OrderPoint(at_s=round(attempt.started_s, 3), latency_s=latency, outcome=outcome)
        )
    return sorted(points, key=lambda point: point.at_s)


def _stats(record: WorkloadRecord) -> WorkloadStats:
    attempts = record.attempts
    latencies = [
        (a.finished_s - a.started_s) * 1000
        for a in attempts
        if a.outcome == "acknowledged" and a.finished_s is not None and a.started_s is not None
    ]
    return WorkloadStats(
        customers=len({a.planned.customer for a in attempts}),
        planned=len(attempts),
        attempted=sum(1 for a in attempts if a.outcome != "skipped"),
        acknowledged=sum(1 for a in attempts if a.outcome == "acknowledged"),
        rejected=sum(1 for a in attempts if a.outcome == "rejected"),
        failed=sum(1 for a in attempts if a.outcome == "failed"),
        skipped=sum(1 for a in attempts if a.outcome == "skipped"),
        duration_s=round(record.duration_s, 2),
        checkout_latency_ms=_percentiles(latencies),
        sse_events=sum(len(listener.events) for listener in record.listeners.values()),
        sse_connections=sum(listener.connections for listener in record.listeners.values()),
    )
