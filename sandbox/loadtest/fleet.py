"""Where the virtual users run, as the controller sees it: in this process (``LocalFleet``)
or in Locust worker processes under this process's master runner (``WorkerFleet``).

Both answer the same four requests: ``poll`` (bring the users' observations into the
collector), ``drain`` (start nothing new), ``release`` (burst checkouts may go) and
``finish`` (stop every user and stream, collect the last observations, stop the runner).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from typing import Any, Protocol

import gevent  # type: ignore[import-untyped]
from locust.env import Environment
from locust.runners import MasterRunner

from sandbox.loadtest.context import RunContext, own_cpu_s
from sandbox.loadtest.tally import Collector

BATCH = "loadtest:batch"  # worker -> master: {"source", "batch", "final"}
DRAIN, RELEASE, FINISH = "loadtest:drain", "loadtest:release", "loadtest:finish"
WORKERS_CONNECT_S = 60.0  # a busy 2-core machine starts Python processes slowly
FINAL_BATCHES_S = 20.0
WORKER_EXIT_S = 10.0


class FleetError(Exception):
    """The load generator itself could not be set up (not a finding about the system)."""


class Fleet(Protocol):
    def poll(self, collector: Collector) -> None: ...
    def drain(self) -> None: ...
    def release(self) -> None: ...
    def finish(self, collector: Collector) -> None: ...
    def cpu_s(self, collector: Collector) -> float: ...


class LocalFleet:
    def __init__(self, env: Environment, ctx: RunContext) -> None:
        self.env = env
        self.ctx = ctx
        self.cpu_start = own_cpu_s()

    def poll(self, collector: Collector) -> None:
        cpu_s = own_cpu_s() - self.cpu_start
        batch = self.ctx.tally.batch(cpu_s, draining=self.ctx.draining.is_set())
        collector.merge("local", batch)

    def drain(self) -> None:
        self.ctx.draining.set()

    def release(self) -> None:
        self.ctx.released.set()

    def finish(self, collector: Collector) -> None:
        self.ctx.draining.set()
        if self.env.runner is not None:
            self.env.runner.stop()  # users still waiting record why they stopped
        self.ctx.stop_streams()
        self.poll(collector)
        collector.finals.add("local")

    def cpu_s(self, collector: Collector) -> float:
        return own_cpu_s() - self.cpu_start


class WorkerFleet:
    """A master runner and ``count`` local worker processes connected over 127.0.0.1."""

    def __init__(
        self, env: Environment, collector: Collector, config_path: str, count: int
    ) -> None:
        self.env = env
        self.collector = collector
        self.count = count
        self.cpu_start = own_cpu_s()
        port = _free_port()
        self.runner: MasterRunner = env.create_master_runner("127.0.0.1", port)
        self.runner.register_message(BATCH, self._on_batch)
        command = [sys.executable, "-m", "sandbox.loadtest.main", "--worker"]
        command += ["--master-port", str(port), "--worker-count", str(count), config_path]
        self.processes = [subprocess.Popen(command) for _ in range(count)]
        deadline = time.monotonic() + WORKERS_CONNECT_S
        while self.runner.worker_count < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self._stop_processes()
                raise FleetError(
                    f"only {self.runner.worker_count} of {count} load workers connected"
                )
            gevent.sleep(0.1)

    def _on_batch(self, environment: Any, msg: Any, **_kwargs: Any) -> None:
        data = msg.data
        self.collector.merge(str(data["source"]), data["batch"], final=bool(data["final"]))

    def poll(self, collector: Collector) -> None:
        """Batches arrive by themselves: every second, and at once after a drain signal."""

    def drain(self) -> None:
        self.runner.send_message(DRAIN)

    def release(self) -> None:
        self.runner.send_message(RELEASE)

    def finish(self, collector: Collector) -> None:
        self.runner.send_message(FINISH)
        deadline = time.monotonic() + FINAL_BATCHES_S
        while len(collector.finals) < self.count and time.monotonic() < deadline:
            gevent.sleep(0.1)
        self.runner.quit()
        self._stop_processes()

    def cpu_s(self, collector: Collector) -> float:
        workers = float(sum(c["cpu_s"] for c in collector.counters.values()))
        return own_cpu_s() - self.cpu_start + workers

    def _stop_processes(self) -> None:
        deadline = time.monotonic() + WORKER_EXIT_S
        for process in self.processes:
            while process.poll() is None and time.monotonic() < deadline:
                gevent.sleep(0.1)
            if process.poll() is None:
                process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
