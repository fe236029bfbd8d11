"""What the report charts, computed from a result's per-order points and fault timeline.

Everything is aggregated (time windows, histogram bins, a sampled CDF) so a chart's size
does not grow with the number of orders. Failed orders never count as completed: they
raise a window's error rate and keep the latency CDF below 100 %.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from reports.model import Check, FaultRecord, OrderPoint, RunResult
from reports.sla import exact_percentile

MAX_WINDOWS = 60
HISTOGRAM_BINS = 40
CDF_POINTS = 200
_WINDOW_WIDTHS_S = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600)
_STEP_MANTISSAS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Window:
    """The orders SENT in [start_s, start_s + width_s), and the completions that happened in
    it (``finished``): throughput is counted when orders complete, so an outage shows as a
    gap in completions rather than as orders that merely started on time."""

    start_s: float
    width_s: float
    sent: int
    completed: int  # of the orders sent in this window
    failed: int  # of the orders sent in this window
    finished: int  # completions (send time + latency) that fell in this window
    p50_s: float | None  # latency percentiles of the completed orders sent in this window
    p90_s: float | None
    p98_s: float | None

    @property
    def mid_s(self) -> float:
        return self.start_s + self.width_s / 2

    @property
    def sent_per_s(self) -> float:
        return self.sent / self.width_s

    @property
    def completed_per_s(self) -> float:
        return self.finished / self.width_s

    @property
    def error_rate(self) -> float | None:
        return self.failed / self.sent if self.sent else None


@dataclass(frozen=True)
class Distribution:
    bin_width_s: float
    counts: tuple[int, ...]  # completed orders per bin; bin i is [i * width, (i + 1) * width)
    cdf: tuple[tuple[float, float], ...]  # (latency s, share of ALL orders done by then)
    orders: int
    failed: int


@dataclass(frozen=True)
class FaultSpan:
    label: str
    kind: str
    start_s: float
    end_s: float
    observed: bool  # False: drawn from the plan, the fault's real times were not recorded


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is >= value (> 0)."""
    if not value > 0 or math.isinf(value):
        raise ValueError(f"no nice number for {value!r}")
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in _STEP_MANTISSAS if m * power >= value * (1 - 1e-12))


def nice_ticks(high: float, target: int = 5) -> tuple[float, list[float]]:
    """(axis top, tick values) for an axis from 0: about ``target`` round steps up to at
    least ``high``; a single step of 1 when there is nothing to show."""
    step = nice_ceiling(high / target) if high > 0 and math.isfinite(high) else 1.0
    count = max(1, math.ceil(high / step - 1e-9))
    return count * step, [round(i * step, 10) for i in range(count + 1)]


def window_width(span_s: float, max_windows: int = MAX_WINDOWS) -> float:
    """The narrowest round width (>= 1 s) that covers [0, span_s] in at most max_windows."""
    for width in _WINDOW_WIDTHS_S:
        if _window_count(span_s, width) <= max_windows:
            return float(width)
    hours = math.ceil(span_s / 3600 / max_windows)
    while _window_count(span_s, hours * 3600) > max_windows:
        hours += 1
    return float(hours * 3600)


def run_span(result: RunResult) -> float:
    """How far the time charts reach: the last send or completion, fault end, or the run."""
    ends = [o.at_s + (o.latency_s or 0.0) for o in result.orders]
    ends += [span.end_s for span in fault_spans(result.timeline)]
    if result.workload is not None:
        ends.append(result.workload.duration_s)
    return max([0.0, *ends])


def time_windows(
    orders: Sequence[OrderPoint], span_s: float | None = None, max_windows: int = MAX_WINDOWS
) -> list[Window]:
    """Consecutive windows from 0 over the orders (and at least span_s); [] without orders."""
    if not orders:
        return []
    last = max(max(o.at_s, o.at_s + (o.latency_s or 0.0)) for o in orders)
    width = window_width(max(last, span_s or 0.0), max_windows)
    count = _window_count(max(last, span_s or 0.0), width)
    latencies: list[list[float]] = [[] for _ in range(count)]
    sent, failed, finished = [0] * count, [0] * count, [0] * count
    for order in orders:
        index = _index(order.at_s, width, count)
        sent[index] += 1
        if order.latency_s is None:
            failed[index] += 1
        else:
            latencies[index].append(order.latency_s)
            finished[_index(order.at_s + order.latency_s, width, count)] += 1
    return [
        Window(
            i * width, width, sent[i], len(latencies[i]), failed[i], finished[i],
            *(_percentile(latencies[i], p) for p in (50.0, 90.0, 98.0)),
        )
        for i in range(count)
    ]  # fmt: skip


def latency_distribution(
    orders: Sequence[OrderPoint], bins: int = HISTOGRAM_BINS, cdf_points: int = CDF_POINTS
) -> Distribution | None:
    """Histogram and CDF of the completed orders' latencies; None when none completed."""
    latencies = sorted(o.latency_s for o in orders if o.latency_s is not None)
    if not latencies:
        return None
    highest = latencies[-1]
    width = nice_ceiling(highest / bins) if highest > 0 else 0.001
    counts = [0] * max(1, math.ceil(highest / width - 1e-9))
    for latency in latencies:
        counts[min(int(latency / width), len(counts) - 1)] += 1
    top = len(counts) * width
    grid = [top * i / cdf_points for i in range(cdf_points + 1)]
    cdf = tuple((x, bisect.bisect_right(latencies, x) / len(orders)) for x in grid)
    return Distribution(width, tuple(counts), cdf, len(orders), len(orders) - len(latencies))


def fault_spans(timeline: Sequence[FaultRecord]) -> list[FaultSpan]:
    """When each fault was in force: as observed, else as planned (an unobserved end is
    taken from the plan, never shorter than the fault was seen to start)."""
    spans = []
    for fault in timeline:
        start = fault.started_at_s if fault.started_at_s is not None else fault.planned_at_s
        end = fault.ended_at_s
        if end is None:
            end = max(start, fault.planned_at_s + fault.planned_duration_s)
        observed = fault.started_at_s is not None and fault.ended_at_s is not None
        spans.append(FaultSpan(fault.label, fault.kind, start, max(start, end), observed))
    return spans


def sla_thresholds(checks: Sequence[Check], unit: str) -> list[tuple[str, float]]:
    """(label, threshold) of every SLA check measured in ``unit`` (s, share, 1/s)."""
    lines = []
    for check in checks:
        threshold = check.figures.get("threshold")
        if check.kind != "sla" or check.figures.get("unit") != unit:
            continue
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            lines.append((check.name.removeprefix("latency-"), float(threshold)))
    return lines


def latency_thresholds(result: RunResult) -> list[tuple[str, float]]:
    return sla_thresholds(result.checks, "s")


def error_rate_threshold(result: RunResult) -> float | None:
    limits = [limit for _, limit in sla_thresholds(result.checks, "share")]
    return min(limits) if limits else None


def _window_count(span_s: float, width: float) -> int:
    # A point exactly at the end of the span joins the last window (see _index).
    return max(1, math.ceil(span_s / width - 1e-9))


def _index(at_s: float, width: float, count: int) -> int:
    return min(max(0, int(at_s // width)), count - 1)


def _percentile(samples: Sequence[float], p: float) -> float | None:
    return exact_percentile(samples, p) if samples else None
