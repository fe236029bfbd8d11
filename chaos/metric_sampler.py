"""Snapshots of the live figures before, during and after a run's faults.

A thread reads the figures every ``interval_s`` while the workload runs; one reading is
taken just before it starts and one after it (and its drain) ends. Each fault keeps the
reading nearest the middle of its window, when the fault has had time to show (a stopped
broker, a paused service's queue building up) and is not yet undone. A run without faults
keeps its peak instead: the largest backlog. Reading uses its own HTTP client in its own
thread, so the event loop that drives the workload never waits on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from chaos.live_figures import READ_TIMEOUT_S, LiveView, MetricSources, collect
from reports.model import FaultRecord, MetricSnapshot

DEFAULT_INTERVAL_S = 2.0  # as often as the sandbox's Prometheus scrapes


@dataclass(frozen=True)
class Reading:
    at: float  # time.monotonic() when the reading began
    view: LiveView


class MetricSampler:
    def __init__(
        self,
        sources: MetricSources,
        interval_s: float = DEFAULT_INTERVAL_S,
        read: Callable[[MetricSources, httpx.Client], LiveView] = collect,
    ) -> None:
        self._sources = sources
        self._interval_s = interval_s
        self._read = read
        self._readings: list[Reading] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None  # one for every reading, kept alive

    def read_now(self) -> Reading:
        """One reading (never from two threads at once: before ``start``, in the sampling
        thread, after ``stop``)."""
        if self._client is None:
            self._client = httpx.Client(timeout=READ_TIMEOUT_S)
        at = time.monotonic()
        return Reading(at, self._read(self._sources, self._client))

    def close(self) -> None:
        """Stop sampling and release the connections."""
        self.stop()
        if self._client is not None:
            self._client.close()
            self._client = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the sampler is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name="metric-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> list[Reading]:
        """Stop sampling (the reading under way finishes first); every reading taken."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()
        return list(self._readings)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._readings.append(self.read_now())
            self._stop.wait(self._interval_s)  # the sampling cadence, not a wait for a state


def snapshot(label: str, reading: Reading, origin: float) -> MetricSnapshot:
    view = reading.view
    return MetricSnapshot(
        label=label,
        at_s=round(reading.at - origin, 2),
        queues=view.queues,
        services=view.services,
        unreadable=view.unreadable,
    )


def peak(readings: Sequence[Reading]) -> Reading:
    """The reading with the largest backlog; the earliest of equals."""
    return max(readings, key=lambda r: (r.view.backlog(), -r.at))


def pick_snapshots(
    before: Reading,
    readings: Sequence[Reading],
    after: Reading,
    origin: float,
    timeline: Sequence[FaultRecord],
) -> list[MetricSnapshot]:
    """Before; during each fault that happened (or the peak when none was planned); after.

    ``origin`` is the monotonic time the run's clock starts at (the fault timeline's and
    the order points' zero). A fault with no reading inside its window (a kill quicker
    than the interval) gets the first reading after it began.
    """
    chosen = [snapshot("before", before, origin)]
    for fault in timeline:
        if fault.started_at_s is None:
            continue
        start = origin + fault.started_at_s
        end = origin + (
            fault.ended_at_s
            if fault.ended_at_s is not None
            else fault.started_at_s + fault.planned_duration_s
        )
        middle = (start + end) / 2
        inside = [r for r in readings if start <= r.at <= end]
        later = [r for r in readings if r.at >= start]
        if inside or later:
            pick = min(inside, key=lambda r: abs(r.at - middle)) if inside else later[0]
            chosen.append(snapshot(f"during {fault.label}", pick, origin))
    if not timeline and readings:
        chosen.append(snapshot("peak of the workload", peak(readings), origin))
    chosen.append(snapshot("after", after, origin))
    return chosen


class RunWatch:
    """The snapshots of one run: ``begin`` just before the workload, ``started`` with the
    run clock's origin, ``finish`` once the workload and its drain are over, and ``close``
    on every path (it also stops the sampling thread). Without sources (a target that does
    not say where its metrics are) every step does nothing."""

    def __init__(self, sources: MetricSources | None, interval_s: float = DEFAULT_INTERVAL_S):
        self._sampler = MetricSampler(sources, interval_s) if sources is not None else None
        self._before: Reading | None = None
        self._after: Reading | None = None
        self._origin: float | None = None
        self._readings: list[Reading] = []

    def begin(self) -> None:
        if self._sampler is not None:
            self._before = self._sampler.read_now()

    def started(self, origin: float) -> None:
        self._origin = origin
        if self._sampler is not None:
            self._sampler.start()

    def finish(self) -> None:
        if self._sampler is not None:
            self._readings = self._sampler.stop()
            self._after = self._sampler.read_now()

    def close(self) -> None:
        """Stop sampling and release the connections; safe to call more than once."""
        if self._sampler is not None:
            self._sampler.close()

    def snapshots(self, timeline: Sequence[FaultRecord]) -> list[MetricSnapshot]:
        if self._before is None or self._after is None:
            return []
        origin = self._origin if self._origin is not None else self._before.at
        return pick_snapshots(self._before, self._readings, self._after, origin, timeline)
