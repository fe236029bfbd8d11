"""Waiting for the system to drain after the workload and the faults, with a deadline.

Drained: outboxes and inbox queues empty, every order of the run terminal, and every
stream has shown its customer the final status of each order. A system that stops moving
(nothing waiting, nothing changing) with orders still open has *settled*: those orders are
stuck, and waiting longer would only delay the verdict.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

from chaos import broker_state, truth
from chaos.sse_client import Listener
from chaos.target import Target

POLL_S = 0.5
SETTLE_S = 10.0


@dataclass
class Quiet:
    drained: bool = False
    settled: bool = False
    waited_s: float = 0.0
    outboxes: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    open_orders: int = 0
    streams_behind: int = 0

    def describe(self) -> str:
        if self.drained:
            return f"drained after {self.waited_s:.1f} s"
        waiting = {k: v for k, v in {**self.outboxes, **self.queues}.items() if v}
        state = "settled (nothing moving)" if self.settled else "did not drain within the deadline"
        return (
            f"{state} after {self.waited_s:.1f} s: {self.open_orders} orders not terminal, "
            f"{self.streams_behind} streams without a final event, waiting messages {waiting}"
        )


async def wait_until_quiet(
    target: Target,
    customers: list[str],
    since: datetime,
    listeners: dict[str, Listener],
    deadline_s: float,
) -> Quiet:
    began = time.monotonic()
    queues = [
        q
        for q in await asyncio.to_thread(broker_state.queue_names, target)
        if broker_state.is_inbox(q)
    ]
    last_signature: tuple[object, ...] = ()
    unchanged_since = time.monotonic()
    state = Quiet()
    while True:
        state.outboxes = await asyncio.to_thread(truth.outbox_depths, target)
        state.queues = await broker_state.depths(target, queues)
        orders = await asyncio.to_thread(truth.order_states, target, customers, since)
        open_orders = [o for o, (_, status) in orders.items() if status not in truth.TERMINAL]
        behind = [
            order_id
            for order_id, (customer, status) in orders.items()
            if customer in listeners
            and status in truth.TERMINAL
            and status not in listeners[customer].statuses_of(order_id)
        ]
        state.open_orders, state.streams_behind = len(open_orders), len(behind)
        state.waited_s = time.monotonic() - began
        waiting = sum(state.outboxes.values()) + sum(state.queues.values())
        if waiting == 0 and not open_orders and not behind:
            state.drained = True
            return state
        signature = (
            tuple(sorted((order_id, status) for order_id, (_, status) in orders.items())),
            sum(len(listener.events) for listener in listeners.values()),
            waiting,
        )
        if signature != last_signature:
            last_signature, unchanged_since = signature, time.monotonic()
        elif waiting == 0 and time.monotonic() - unchanged_since > SETTLE_S:
            state.settled = True
            return state
        if state.waited_s > deadline_s:
            return state
        await asyncio.sleep(POLL_S)  # polling ground truth, bounded by the deadline
