"""A Locust worker process of a distributed run: runs the users the master hands it.

Started by ``WorkerFleet`` (``python -m sandbox.loadtest.main --worker --master-port P
--worker-count N CONFIG``); on another machine, start the same command with
``--master-host`` and a copy of the config. It sends its tally to the master every
second and a final one when told to finish, after Locust's own last statistics, so the
master has both before it quits. It dies with its parent (Linux), and in any case exits
when the master quits or stops sending heartbeats.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
from typing import Any

import gevent  # type: ignore[import-untyped]
from gevent.event import Event  # type: ignore[import-untyped]
from locust.env import Environment

from sandbox.loadtest.config import LoadConfig
from sandbox.loadtest.context import RunContext, own_cpu_s
from sandbox.loadtest.fleet import BATCH, DRAIN, FINISH, RELEASE
from sandbox.loadtest.shopper import shopper_class

REPORT_EVERY_S = 1.0
QUIT_MARGIN_S = 90.0  # past the run's own deadline: the master's quit has surely come
PR_SET_PDEATHSIG = 1


def run_worker(config: LoadConfig, master_host: str, master_port: int, worker_count: int) -> int:
    _die_with_parent()
    ctx = RunContext(config, worker_count=worker_count)
    env = Environment(
        user_classes=[shopper_class(ctx, config.storefront_urls[0])],
        host=config.storefront_urls[0],
    )
    runner = env.create_worker_runner(master_host, master_port)  # returns once acknowledged
    ctx.worker_index = max(runner.worker_index, 0)
    cpu_start = own_cpu_s()
    finished = Event()

    def send(final: bool) -> None:
        batch = ctx.tally.batch(own_cpu_s() - cpu_start, draining=ctx.draining.is_set())
        runner.send_message(BATCH, {"source": runner.client_id, "batch": batch, "final": final})

    def on_drain(**_kwargs: Any) -> None:
        ctx.draining.set()
        send(final=False)  # the master waits for a batch that has seen the drain

    def report_every_second() -> None:
        while not finished.wait(REPORT_EVERY_S):
            send(final=False)

    def on_finish(**_kwargs: Any) -> None:
        ctx.draining.set()
        finished.set()
        reporter.kill(block=True)
        runner.stop()  # users still waiting record why they stopped
        ctx.stop_streams()
        runner._send_stats()  # Locust's last statistics go before our final batch
        send(final=True)

    reporter = gevent.spawn(report_every_second)
    runner.register_message(DRAIN, on_drain)
    runner.register_message(RELEASE, lambda **_kwargs: ctx.released.set())
    runner.register_message(FINISH, on_finish, concurrent=True)
    try:
        runner.greenlet.join(timeout=ctx.remaining() + QUIT_MARGIN_S)
    finally:
        finished.set()
        reporter.kill(block=True)
        ctx.stop_streams()
        with contextlib.suppress(Exception):
            runner.quit()
    return 0


def _die_with_parent() -> None:
    """Ask Linux to end this worker when the master process ends, however it ends."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
