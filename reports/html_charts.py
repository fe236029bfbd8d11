"""The four charts of a run's HTML report, from its per-order points and fault timeline:
latency percentiles and throughput over time, the latency distribution with its CDF, and
the error rate over time. Faults are shaded on the time charts, SLA limits drawn dashed."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from reports.model import RunResult
from reports.series import (
    Window,
    error_rate_threshold,
    fault_spans,
    latency_distribution,
    latency_thresholds,
    run_span,
    sla_thresholds,
    time_windows,
)
from reports.svg_charts import (
    Band,
    Marker,
    Series,
    TimeAxis,
    ValueAxis,
    empty_chart,
    format_share,
    histogram_chart,
    line_chart,
)


def run_charts(result: RunResult) -> str:
    """The run's four charts, or a note when the result has no per-order points."""
    if not result.orders:
        return (
            '<p class="note charts-missing">No charts: this result has no per-order points '
            f"(schema version {result.schema_version}).</p>"
        )
    span = run_span(result)
    windows = time_windows(result.orders, span)
    bands = [Band(s.label, s.start_s, s.end_s) for s in fault_spans(result.timeline)]
    time = TimeAxis(f"seconds since the start ({windows[0].width_s:g} s windows)", span, bands)
    charts = [
        _latency_chart(result, windows, time),
        _throughput_chart(result, windows, time),
        _distribution_chart(result),
        _errors_chart(result, windows, time),
    ]
    return '<div class="charts">' + "".join(f"<figure>{c}</figure>" for c in charts) + "</div>"


def _latency_chart(result: RunResult, windows: Sequence[Window], time: TimeAxis) -> str:
    lines = [
        Series(label, [(w.mid_s, getattr(w, f"{label}_s")) for w in windows], color)
        for label, color in (("p50", "#2b6cb0"), ("p90", "#dd6b20"), ("p98", "#c53030"))
    ]
    markers = [Marker(f"{label} SLA", seconds) for label, seconds in latency_thresholds(result)]
    axis = ValueAxis("latency (s)", unit="s", empty_note="no order completed")
    return line_chart("latency", "Latency by send time", lines, time, axis, markers)


def _throughput_chart(result: RunResult, windows: Sequence[Window], time: TimeAxis) -> str:
    lines = [
        Series("sent/s", [(w.mid_s, w.sent_per_s) for w in windows], "#718096"),
        Series("completed/s", [(w.mid_s, w.completed_per_s) for w in windows], "#2f855a"),
    ]
    markers = [Marker(f"{n} SLA", v) for n, v in sla_thresholds(result.checks, "1/s")]
    axis = ValueAxis("orders per second", unit="/s")
    return line_chart("throughput", "Throughput over time", lines, time, axis, markers)


def _errors_chart(result: RunResult, windows: Sequence[Window], time: TimeAxis) -> str:
    line = Series("error rate", [(w.mid_s, w.error_rate) for w in windows], "#c53030")
    limit = error_rate_threshold(result)
    markers = [] if limit is None else [Marker("error-rate SLA", limit)]
    axis = ValueAxis("failed / sent", format_share, floor=max(0.01, 2 * (limit or 0.0)))
    return line_chart("errors", "Error rate by send time", [line], time, axis, markers)


def _distribution_chart(result: RunResult) -> str:
    title = "Latency distribution and CDF"
    found = latency_distribution(result.orders)
    if found is None:
        note = f"none of {len(result.orders)} orders completed"
        return empty_chart("distribution", title, note)
    markers = [Marker(label, seconds) for label, seconds in latency_thresholds(result)]
    chart = histogram_chart(
        "distribution", title, found.bin_width_s, found.counts, found.cdf, "latency (s)", markers
    )
    done = (found.orders - found.failed) / found.orders
    note = f"{found.failed} of {found.orders} orders failed; the CDF ends at {format_share(done)}"
    return f"{chart}<figcaption>{escape(note)}</figcaption>"
