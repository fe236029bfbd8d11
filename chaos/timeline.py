"""Running the faults of a scenario on their timeline, each rolled back whatever happens.

Blocking injectors (process control, the Toxiproxy API) run in worker threads so the
workload keeps flowing while RabbitMQ takes its ten seconds to restart.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from chaos.delivery import DuplicateDelivery
from chaos.faults import DeliveryFault, Fault, NetworkFault, ProcessFault
from chaos.network import NetworkInjector
from chaos.process_faults import ProcessInjector
from reports.model import FaultRecord


def kind_of(fault: Fault) -> str:
    if isinstance(fault, ProcessFault):
        return "process"
    return "network" if isinstance(fault, NetworkFault) else "delivery"


@dataclass
class FaultRunner:
    processes: ProcessInjector
    network: NetworkInjector
    amqp_url: str
    started_monotonic: float = 0.0
    records: list[FaultRecord] = field(default_factory=list)
    _deliveries: list[DuplicateDelivery] = field(default_factory=list)

    def _now(self) -> float:
        return round(time.monotonic() - self.started_monotonic, 3)

    async def run(self, faults: tuple[Fault, ...]) -> list[FaultRecord]:
        """Run every fault at its time; return when all have ended and been rolled back."""
        self.records = await asyncio.gather(*(self._one(fault) for fault in faults))
        return self.records

    async def _one(self, fault: Fault) -> FaultRecord:
        delay = fault.at_s - (time.monotonic() - self.started_monotonic)
        if delay > 0:
            await asyncio.sleep(delay)  # the scenario's timeline, not a wait for a condition
        started = self._now()
        evidence, error = "", ""
        try:
            evidence = await self._apply(fault)
            if fault.duration_s > 0:
                await asyncio.sleep(fault.duration_s)  # the fault holds for its duration
        except Exception as exc:  # recorded: a fault that did not happen invalidates the run
            error = f"{type(exc).__name__}: {exc}"
        finally:
            await self._undo(fault)
        if isinstance(fault, DeliveryFault) and evidence and not error:
            copies = self._deliveries[-1].duplicated if self._deliveries else 0
            evidence += f"; {copies} events delivered a second time"
            if copies == 0:
                error = "no event passed the broker during the window: nothing was duplicated"
        return FaultRecord(
            label=fault.label,
            kind=kind_of(fault),
            planned_at_s=fault.at_s,
            planned_duration_s=fault.duration_s,
            started_at_s=started,
            ended_at_s=self._now(),
            evidence=evidence,
            happened=bool(evidence) and not error,
            error=error,
        )

    async def _apply(self, fault: Fault) -> str:
        if isinstance(fault, ProcessFault):
            return await asyncio.to_thread(self.processes.apply, fault)
        if isinstance(fault, NetworkFault):
            return await asyncio.to_thread(self.network.apply, fault)
        delivery = DuplicateDelivery(self.amqp_url)
        self._deliveries.append(delivery)
        return await delivery.apply()

    async def _undo(self, fault: Fault) -> None:
        if isinstance(fault, ProcessFault):
            await asyncio.to_thread(self.processes.end, fault)
            await asyncio.to_thread(self.processes.rollback, fault)
        elif isinstance(fault, NetworkFault):
            await asyncio.to_thread(self.network.rollback, fault)
        elif isinstance(fault, DeliveryFault):
            for delivery in self._deliveries:
                await delivery.rollback()

    def duplicated(self) -> int:
        return sum(d.duplicated for d in self._deliveries)

    async def rollback_everything(self) -> None:
        """The last line of defence (Ctrl-C, a crash): no toxic, no pause, no tap left."""
        self.processes.rollback_all()
        await asyncio.to_thread(self.network.rollback_all)
        for delivery in self._deliveries:
            await delivery.rollback()
