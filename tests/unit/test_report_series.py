"""What the HTML report charts (reports/series.py): time windows, per-window percentiles, the
latency distribution with failed orders, fault spans and the SLA lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from reports.model import Check, FaultRecord, OrderPoint, RunResult, WorkloadStats, read_result
from reports.series import (
    error_rate_threshold,
    fault_spans,
    latency_distribution,
    latency_thresholds,
    nice_ceiling,
    nice_ticks,
    run_span,
    sla_thresholds,
    time_windows,
    window_width,
)
from reports.sla import Sla, evaluate, exact_percentile

RUNS = Path(__file__).resolve().parents[2] / "docs" / "runs"


def point(at_s: float, latency_s: float | None) -> OrderPoint:
    return OrderPoint(at_s=at_s, latency_s=latency_s, outcome="ok" if latency_s else "timeout")


def result_with(
    orders: Sequence[OrderPoint] = (),
    checks: Sequence[Check] = (),
    timeline: Sequence[FaultRecord] = (),
    duration_s: float | None = None,
) -> RunResult:
    workload = None
    if duration_s is not None:
        workload = WorkloadStats(customers=1, planned=1, attempted=1, acknowledged=1, rejected=0,
                                 failed=0, skipped=0, duration_s=duration_s)  # fmt: skip
    return RunResult(
        scenario="s", description="d", seed=1, started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:01:00+00:00", orders=list(orders), checks=list(checks),
        timeline=list(timeline), workload=workload,
    )  # fmt: skip


# --- window widths ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span_s", "width"),
    [(0.0, 1.0), (0.4, 1.0), (59.5, 1.0), (60.0, 1.0), (60.5, 2.0), (120.0, 2.0), (121.0, 5.0),
     (300.0, 5.0), (900.0, 15.0), (10_000.0, 300.0), (4 * 3600.0, 300.0), (50 * 3600.0, 3600.0),
     (100 * 3600.0, 7200.0)],
)  # fmt: skip
def test_window_width_is_the_narrowest_round_width_giving_at_most_60_windows(
    span_s: float, width: float
) -> None:
    assert window_width(span_s) == width
    assert span_s / width <= 60


@pytest.mark.parametrize(
    ("value", "nice"),
    [(0.003, 0.005), (0.1, 0.1), (0.11, 0.2), (0.21, 0.25), (0.3, 0.5), (0.6, 1.0), (7.0, 10.0)],
)
def test_nice_ceiling_rounds_up_to_1_2_2_5_or_5_times_a_power_of_ten(
    value: float, nice: float
) -> None:
    assert nice_ceiling(value) == pytest.approx(nice)


@pytest.mark.parametrize(
    ("high", "top", "ticks"),
    [(17.0, 20.0, [0.0, 5.0, 10.0, 15.0, 20.0]), (0.03, 0.03, [0.0, 0.01, 0.02, 0.03]),
     (1000.0, 1000.0, [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]), (0.0, 1.0, [0.0, 1.0])],
)  # fmt: skip
def test_nice_ticks_step_roundly_from_zero_to_at_least_the_highest_value(
    high: float, top: float, ticks: list[float]
) -> None:
    found_top, found_ticks = nice_ticks(high)
    assert found_top == pytest.approx(top)
    assert found_ticks == ticks


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf")])
def test_nice_ceiling_refuses_what_has_no_round_ceiling(value: float) -> None:
    with pytest.raises(ValueError, match="no nice number"):
        nice_ceiling(value)


# --- time windows -----------------------------------------------------------------------


def test_windows_count_sent_completed_failed_and_completions_by_completion_time() -> None:
    orders = [point(0.2, 0.5), point(0.7, 2.4), point(0.9, None), point(1.5, 0.1), point(3.2, None)]
    windows = time_windows(orders)
    assert [w.start_s for w in windows] == [0.0, 1.0, 2.0, 3.0]
    assert {w.width_s for w in windows} == {1.0}
    assert [(w.sent, w.completed, w.failed) for w in windows] == [(3, 2, 1), (1, 1, 0), (0, 0, 0),
                                                                  (1, 0, 1)]  # fmt: skip
    # 0.2 + 0.5 and 1.5 + 0.1 complete in [0, 1) and [1, 2); 0.7 + 2.4 completes in [3, 4).
    assert [w.finished for w in windows] == [1, 1, 0, 1]
    assert [w.completed_per_s for w in windows] == [1.0, 1.0, 0.0, 1.0]
    assert [w.sent_per_s for w in windows] == [3.0, 1.0, 0.0, 1.0]
    assert [w.error_rate for w in windows] == [pytest.approx(1 / 3), 0.0, None, 1.0]
    assert windows[0].mid_s == 0.5


def test_window_percentiles_are_exact_over_the_completed_orders_sent_in_that_window() -> None:
    first = [0.1 * n for n in range(1, 51)]  # 50 orders sent in [0, 10)
    second = [3.0, 1.0, 2.0]
    orders = [point(0.19 * n, lat) for n, lat in enumerate(first)]
    orders += [point(10.0 + n, lat) for n, lat in enumerate(second)] + [point(12.5, None)]
    windows = time_windows(orders, max_windows=2)  # the last completes at 13 s
    assert windows[0].width_s == 10.0
    assert (windows[0].p50_s, windows[0].p90_s, windows[0].p98_s) == (
        exact_percentile(first, 50), exact_percentile(first, 90), exact_percentile(first, 98)
    )  # fmt: skip
    assert windows[0].p90_s == pytest.approx(4.5)
    # The failed order is not a sample here: the error chart shows it instead.
    assert (windows[1].p50_s, windows[1].p90_s, windows[1].p98_s) == (2.0, 3.0, 3.0)
    assert windows[1].error_rate == 0.25


def test_a_window_without_a_completed_order_has_no_percentiles() -> None:
    windows = time_windows([point(0.0, 0.2), point(1.2, None)])
    assert (windows[1].p50_s, windows[1].p90_s, windows[1].p98_s) == (None, None, None)
    assert windows[1].error_rate == 1.0


def test_windows_reach_the_given_span_and_an_order_at_the_end_joins_the_last() -> None:
    windows = time_windows([point(0.0, 0.5), point(10.0, 0.0)], span_s=10.0)
    assert len(windows) == 10
    assert windows[-1].sent == 1
    assert len(time_windows([point(0.0, 0.5)], span_s=119.0)) == 60
    assert time_windows([]) == []


def test_a_large_run_stays_within_60_windows_and_counts_every_order() -> None:
    orders = [point(n * 0.06, 1.0 if n % 50 else None) for n in range(10_000)]
    windows = time_windows(orders)
    assert len(windows) <= 60
    assert sum(w.sent for w in windows) == 10_000
    assert sum(w.failed for w in windows) == 200
    assert sum(w.finished for w in windows) == sum(w.completed for w in windows) == 9_800


# --- the latency distribution -------------------------------------------------------------


def test_distribution_bins_every_completed_order_from_zero_to_the_slowest() -> None:
    latencies = [n / 20 for n in range(1, 201)]  # 0.05 .. 10.0 s
    found = latency_distribution([point(0.0, lat) for lat in latencies])
    assert found is not None
    assert found.bin_width_s == 0.25  # 10 s / 40 bins
    assert len(found.counts) == 40
    assert sum(found.counts) == 200
    assert found.counts[-1] == 6  # [9.75, 10.0]: the slowest order joins the last bin
    assert found.cdf[0] == (0.0, 0.0)
    assert found.cdf[-1] == (10.0, 1.0)
    assert (found.orders, found.failed) == (200, 0)


def test_the_cdf_counts_failed_orders_as_never_completing() -> None:
    orders = [point(0.0, 1.0), point(0.0, 2.0), point(0.0, 2.0), point(0.0, None)]
    found = latency_distribution(orders)
    assert found is not None
    shares = [share for _, share in found.cdf]
    assert shares == sorted(shares)
    assert shares[-1] == 0.75
    at = dict(found.cdf)
    assert at[1.0] == 0.25  # one of four orders had completed by 1 s
    assert at[2.0] == 0.75
    assert (found.orders, found.failed) == (4, 1)


def test_no_distribution_when_no_order_completed() -> None:
    assert latency_distribution([point(0.0, None), point(1.0, None)]) is None
    assert latency_distribution([]) is None


def test_instant_orders_still_get_one_bin() -> None:
    found = latency_distribution([point(0.0, 0.0), point(1.0, 0.0)])
    assert found is not None
    assert found.counts == (2,)
    assert found.cdf[-1][1] == 1.0


# --- faults and SLA lines -------------------------------------------------------------------


def test_fault_spans_use_observed_times_and_fall_back_to_the_plan() -> None:
    spans = fault_spans(
        [
            FaultRecord(label="kill", kind="process", planned_at_s=3.0, planned_duration_s=0.0,
                        started_at_s=3.1, ended_at_s=16.5, happened=True),
            FaultRecord(label="latency", kind="network", planned_at_s=20.0,
                        planned_duration_s=10.0),
            FaultRecord(label="cut", kind="network", planned_at_s=40.0, planned_duration_s=5.0,
                        started_at_s=47.0),
        ]
    )  # fmt: skip
    assert [(s.label, s.start_s, s.end_s, s.observed) for s in spans] == [
        ("kill", 3.1, 16.5, True),
        ("latency", 20.0, 30.0, False),
        ("cut", 47.0, 47.0, False),  # started late, end unknown: never before its start
    ]


def test_run_span_reaches_the_last_completion_fault_end_or_run_end() -> None:
    orders = [point(1.0, 4.0)]
    assert run_span(result_with(orders)) == 5.0
    assert run_span(result_with(orders, duration_s=30.0)) == 30.0
    fault = FaultRecord(label="f", kind="process", planned_at_s=40.0, planned_duration_s=2.0)
    assert run_span(result_with(orders, timeline=[fault])) == 42.0
    assert run_span(result_with()) == 0.0


def test_sla_lines_come_from_the_sla_checks_with_a_numeric_threshold() -> None:
    sla = Sla("Confirmed", ((90.0, 5.0), (98.0, 10.0)), 30.0, 0.01, 2.0, "t")
    checks = evaluate(sla, [1.0, 2.0, 3.0], failed=1, completed_per_s=5.0)
    checks.append(
        Check(name="stock-conserved", passed=True, summary="",
              figures={"threshold": 1.0, "unit": "s"})  # an invariant: not an SLA line
    )  # fmt: skip
    checks.append(
        Check(name="latency-p99", passed=False, summary="",
              figures={"threshold": None, "unit": "s"})
    )  # fmt: skip
    result = result_with(checks=checks)
    assert latency_thresholds(result) == [("p90", 5.0), ("p98", 10.0), ("max", 30.0)]
    assert error_rate_threshold(result) == 0.01
    assert sla_thresholds(result.checks, "1/s") == [("throughput", 2.0)]
    assert error_rate_threshold(result_with()) is None


def test_sla_lines_of_the_recorded_runs() -> None:
    load = read_result(RUNS / "load-1000-burst.json")
    assert latency_thresholds(load) == [("p90", 5.0), ("p98", 10.0)]
    assert error_rate_threshold(load) == 0.01
    chaos = read_result(RUNS / "chaos-2000-broker-kill.json")  # recovery has no threshold
    assert latency_thresholds(chaos) == []
    assert [s.label for s in fault_spans(chaos.timeline)] == ["kill rabbitmq"]
