"""The controller of one load run: start users on the schedule, end the run, gather results.

Phases, each bounded by the clock:

1. load: the schedule's user counts (one step, or the ramp) until ``duration_s``, or
   earlier once every customer has placed all its orders; with ``burst``, the users
   prepare their carts, the checkouts are released together once all are ready (at the
   latest at ``duration_s``), and the phase ends when every burst order has its outcome;
2. drain: nobody starts a new order; orders in flight get their outcome (each waits at
   most ``completion_timeout_s`` from its checkout);
3. finish: the fleet stops every user and stream and hands over its last observations.

So the run lasts at most ``duration_s + completion_timeout_s`` plus a few seconds, whatever
the system under test does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent  # type: ignore[import-untyped]
from gevent.event import Event  # type: ignore[import-untyped]
from locust.env import Environment

from sandbox.loadtest.config import LoadConfig
from sandbox.loadtest.context import RunContext
from sandbox.loadtest.fleet import Fleet, LocalFleet, WorkerFleet
from sandbox.loadtest.progress import ProgressWriter
from sandbox.loadtest.report import build_output
from sandbox.loadtest.shopper import shopper_class
from sandbox.loadtest.tally import Collector

TICK_S = 0.25
DRAIN_MARGIN_S = 2.0


def run(config: LoadConfig, config_path: str) -> dict[str, Any]:
    """Run the load described by ``config`` (read by workers from ``config_path``)."""
    ctx = RunContext(config)
    env = Environment(
        user_classes=[shopper_class(ctx, config.storefront_urls[0])],
        host=config.storefront_urls[0],
    )
    collector = Collector()
    fleet: Fleet
    if config.workers > 0:
        fleet = WorkerFleet(env, collector, config_path, config.workers)
    else:
        env.create_local_runner()
        fleet = LocalFleet(env, ctx)
    return Controller(config, env, fleet, collector).run()


class Controller:
    def __init__(
        self, config: LoadConfig, env: Environment, fleet: Fleet, collector: Collector
    ) -> None:
        self.config = config
        self.env = env
        self.runner = env.runner
        assert self.runner is not None
        self.fleet = fleet
        self.collector = collector
        self.spawned = Event()
        env.events.spawning_complete.add_listener(  # type: ignore[no-untyped-call]
            lambda **_kwargs: self.spawned.set()
        )
        self.progress = ProgressWriter(config.progress_path)
        self.peak_users = 0
        self.started = time.monotonic()
        self.started_at = time.time()

    def run(self) -> dict[str, Any]:
        self.started, self.started_at = time.monotonic(), time.time()
        load_end = self.started + self.config.duration_s
        try:
            if self.config.burst > 0:
                self._burst(load_end)
            else:
                self._steady(load_end)
            self.fleet.drain()
            drain_end = load_end + self.config.completion_timeout_s + DRAIN_MARGIN_S
            sources = max(self.config.workers, 1)
            self._wait(lambda: self.collector.drained(sources), drain_end)
        finally:
            self.fleet.finish(self.collector)
            if self.env.runner is not None:
                self.env.runner.quit()
        duration_s = time.monotonic() - self.started
        self.progress.write(self._live(), final=True)
        return build_output(
            self.collector,
            self.env.stats,
            started_at=self.started_at,
            duration_s=duration_s,
            users=self.peak_users,
            generator_cpu_s=self.fleet.cpu_s(self.collector),
            sources=max(self.config.workers, 1),
        )

    def _steady(self, load_end: float) -> None:
        steps = list(self.config.schedule)
        target = 0
        while steps or not self._everyone_idle(target):
            if time.monotonic() >= load_end:
                return
            while steps and time.monotonic() >= self.started + steps[0][0]:
                target = steps.pop(0)[1]
                self.spawned.clear()
                self._start(target)
            self._tick()

    def _burst(self, load_end: float) -> None:
        self._start(self.config.users)

        def all_at_the_gate() -> bool:
            everyone_started = self.spawned.is_set() and (
                self.collector.total("alive_users") >= self.config.users
            )
            takers = self.collector.total("burst_takers")
            if not everyone_started:
                return False
            if takers == 0:  # every taker failed to sign in: nothing to release
                return self._everyone_idle(self.config.users)
            return self.collector.total("gate_arrivals") >= takers

        self._wait(all_at_the_gate, load_end)
        self.fleet.release()
        # released at load_end at the latest, so this stays within the run's bound
        outcomes_end = time.monotonic() + self.config.completion_timeout_s + DRAIN_MARGIN_S
        self._wait(lambda: self._everyone_idle(self.config.users), outcomes_end)

    def _start(self, users: int) -> None:
        assert self.runner is not None
        self.runner.start(users, self.config.spawn_rate)

    def _everyone_idle(self, target: int) -> bool:
        alive = self.collector.total("alive_users")
        return (
            self.spawned.is_set()
            and alive >= target
            and self.collector.total("idle_users") >= alive
        )

    def _wait(self, condition: Callable[[], bool], deadline: float) -> None:
        self.fleet.poll(self.collector)  # judge on what the users have seen by now
        while not condition() and time.monotonic() < deadline:
            self._tick()

    def _tick(self) -> None:
        gevent.sleep(TICK_S)
        self.fleet.poll(self.collector)
        assert self.runner is not None
        self.peak_users = max(self.peak_users, self.runner.user_count)
        self.progress.maybe_write(self._live)

    def _live(self) -> dict[str, Any]:
        assert self.runner is not None
        return {
            "elapsed_s": round(time.monotonic() - self.started, 2),
            "users": self.runner.user_count,
            "connected": int(self.collector.total("connected")),
            "offered": int(self.collector.total("offered")),
            "completed": int(self.collector.total("completed")),
            "in_flight": int(self.collector.total("in_flight")),
            "errors": sum(self.collector.error_counts().values()),
            "generator_cpu_s": round(self.fleet.cpu_s(self.collector), 3),
            "latencies_s": self.collector.latency_percentiles(),
        }
