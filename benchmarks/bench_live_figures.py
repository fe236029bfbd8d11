"""Benchmark: what one reading of the live figures costs a running sandbox.

Chaos and load runs read the `status --watch` figures every 2 s (``chaos.live_figures``):
one GET of RabbitMQ's per-queue endpoint and of every service's ``/metrics``, each of
which runs the service's scrape queries (outbox backlog; Orders' saga census). This
measures, on an idle sandbox, the wall time of one reading (median), the CPU the reading
costs the reader, and the CPU it costs the sandbox's processes: their CPU over a window
of back-to-back readings less their CPU over an equally long idle window, per reading.

    SANDBOX_STATE_DIR=/tmp/bench .venv/bin/sandbox up --port-base 30400
    SANDBOX_STATE_DIR=/tmp/bench .venv/bin/python benchmarks/bench_live_figures.py
"""

from __future__ import annotations

import statistics
import threading
import time

import httpx

from chaos.live_figures import READ_TIMEOUT_S, collect
from sandbox.backends.process import ProcessBackend
from sandbox.live_metrics import sources_of
from sandbox.loadtest_cli import cpu_by_component
from sandbox.state import resolve_state_dir

READINGS = 60
IDLE_WINDOWS = 3


def sandbox_cpu_s(backend: ProcessBackend) -> float:
    """CPU seconds used so far by every component's process tree (reaped children too)."""
    return sum(seconds for _pid, seconds in cpu_by_component(backend).values())


def idle_cpu_per_s(backend: ProcessBackend, seconds: float) -> float:
    """The sandbox's own CPU per second while nobody reads it (median of a few windows)."""
    rates = []
    for _ in range(IDLE_WINDOWS):
        before = sandbox_cpu_s(backend)
        threading.Event().wait(seconds)  # an idle window of fixed length is the measurement
        rates.append((sandbox_cpu_s(backend) - before) / seconds)
    return statistics.median(rates)


def main() -> None:
    backend = ProcessBackend(resolve_state_dir(None))
    sources = sources_of(backend.runtime())
    client = httpx.Client(timeout=READ_TIMEOUT_S)  # one for all readings, as a run keeps it
    collect(sources, client)  # warm: connections, first census
    walls, reader_cpu = [], []
    before = sandbox_cpu_s(backend)
    window_started = time.perf_counter()
    for _ in range(READINGS):
        started, cpu_started = time.perf_counter(), time.process_time()
        view = collect(sources, client)
        walls.append(time.perf_counter() - started)
        reader_cpu.append(time.process_time() - cpu_started)
        assert not view.unreadable, view.unreadable
    window_s = time.perf_counter() - window_started
    client.close()
    busy = sandbox_cpu_s(backend) - before
    idle = idle_cpu_per_s(backend, window_s)
    per_reading_ms = (busy - idle * window_s) / READINGS * 1000
    print(f"{READINGS} readings of {len(sources.services)} services and RabbitMQ's queues")
    print(f"wall per reading: median {statistics.median(walls) * 1000:.1f} ms")
    print(f"reader CPU per reading: median {statistics.median(reader_cpu) * 1000:.1f} ms")
    print(f"sandbox CPU per reading (less idle {idle * 1000:.0f} ms/s): {per_reading_ms:.1f} ms")
    share = (per_reading_ms + statistics.median(reader_cpu) * 1000) / 2000
    print(f"at one reading per 2 s: {share:.1%} of a core")


if __name__ == "__main__":
    main()
