"""Regression comparison of two results (reports/compare.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.compare import (
    CompareError,
    Comparison,
    MetricDelta,
    compare,
    render_comparison_markdown,
)
from reports.model import Check, Figure, RunResult, WorkloadStats, read_result

RUNS_DIR = Path(__file__).resolve().parents[2] / "docs" / "runs"


def run(*checks: Check, kind: str = "loadtest", **changes: object) -> RunResult:
    fields: dict[str, object] = {
        "kind": kind,
        "scenario": "loadtest-100",
        "description": "100 customers",
        "seed": 1,
        "arguments": {"pace_s": "10.0"},
        "started_at": "2026-03-01T12:00:00+00:00",
        "finished_at": "2026-03-01T12:01:00+00:00",
        "checks": list(checks),
    }
    return RunResult.model_validate(fields | changes)


def figures(**values: Figure) -> RunResult:
    return run(figures=values)


def sla(name: str, value: Figure, passed: bool = True, unit: str = "s", failed: int = 0) -> Check:
    numbers: dict[str, Figure] = {"value": value, "threshold": 5.0, "unit": unit, "failed": failed}
    return Check(name=name, passed=passed, summary=f"{name} summary", figures=numbers)


def row(comparison: Comparison, metric: str) -> MetricDelta:
    found = [r for r in comparison.rows if r.metric == metric]
    assert len(found) == 1, f"{metric}: {[r.metric for r in comparison.rows]}"
    return found[0]


@pytest.mark.parametrize(
    ("metric", "before", "after", "regression"),
    [
        ("latency_p90", 1.0, 1.3, True),  # 30 % slower
        ("latency_p90", 1.0, 1.15, False),  # within 20 %
        ("latency_p90", 1.0, 0.5, False),  # faster
        ("latency_max", 2.0, 2.41, True),
        ("cpu_per_completed_order_ms", 300.0, 370.0, True),
        ("cpu_per_completed_order_ms", 300.0, 200.0, False),
        ("completed_orders_per_s", 10.0, 7.0, True),  # higher is better
        ("completed_orders_per_s", 10.0, 13.0, False),
        ("http POST /api/storefront/checkout p90_ms", 500, 700, True),
        ("http POST /api/storefront/checkout p90_ms", 500, 400, False),
    ],
)
def test_each_metric_regresses_in_its_worse_direction(
    metric: str, before: float, after: float, regression: bool
) -> None:
    found = row(compare(figures(**{metric: before}), figures(**{metric: after})), metric)

    assert found.regression is regression
    assert found.delta == pytest.approx(after - before)
    assert found.delta_pct == pytest.approx((after - before) / before * 100)


def test_the_tolerance_is_a_percentage_of_the_baseline() -> None:
    before, after = figures(latency_p90=1.0), figures(latency_p90=1.3)

    assert row(compare(before, after, tolerance_pct=50), "latency_p90").regression is False
    assert row(compare(before, after, tolerance_pct=25), "latency_p90").regression is True
    with pytest.raises(CompareError, match="tolerance"):
        compare(before, after, tolerance_pct=-1)


@pytest.mark.parametrize(
    ("metric", "before", "after", "regression"),
    [
        ("latency_p50", 0.0, 0.001, False),  # infinitely more, yet only noise
        ("latency_p50", 0.0, 0.2, True),
        ("http GET /sse/storefront p90_ms", 10, 14, False),  # +40 %, but 4 ms
        ("http GET /sse/storefront p90_ms", 10, 16, True),
        ("completed_orders_per_s", 0.5, 0.35, False),  # -30 %, but 0.15 orders/s
    ],
)
def test_a_change_under_the_noise_floor_is_no_regression(
    metric: str, before: float, after: float, regression: bool
) -> None:
    comparison = compare(figures(**{metric: before}), figures(**{metric: after}))

    assert row(comparison, metric).regression is regression


def test_sla_values_compare_and_failed_orders_count_as_never_completing() -> None:
    before = run(sla("error-rate", 0.0, unit="share"), sla("latency-p90", 1.0))
    after = run(sla("error-rate", 0.0005, unit="share"), sla("latency-p90", None, failed=3))
    comparison = compare(before, after)

    assert row(comparison, "sla error-rate").regression is False  # 0.05 points: noise
    worse = compare(before, run(sla("error-rate", 0.005, unit="share")))
    assert row(worse, "sla error-rate").regression is True
    latency = row(comparison, "sla latency-p90")
    assert latency.regression is True
    assert latency.current == float("inf")
    assert latency.delta_pct is None


def test_a_check_that_passed_and_now_fails_is_always_a_regression() -> None:
    before = run(
        Check(name="orders-not-lost", passed=True, summary="none lost"),
        Check(name="stock-conserved", passed=False, summary="3 off"),
    )
    after = run(Check(name="orders-not-lost", passed=False, summary="2 lost"),
                Check(name="stock-conserved", passed=False, summary="4 off"))  # fmt: skip
    comparison = compare(before, after, tolerance_pct=1000)

    assert [r.metric for r in comparison.regressions] == ["check orders-not-lost"]
    assert "2 lost" in comparison.regressions[0].note
    assert compare(after, before).regressions == []  # fail -> pass is an improvement


def test_chaos_results_compare_checkout_latency_and_recovery() -> None:
    def chaos(first_s: float, p90_ms: float) -> RunResult:
        recovery = Check(
            name="recovery",
            passed=True,
            summary="recovered",
            figures={"fault1_first_completion_s": first_s, "fault1_pre_fault_throughput": 12.0},
        )
        workload = WorkloadStats(
            customers=4,
            planned=9,
            attempted=9,
            acknowledged=9,
            rejected=0,
            failed=0,
            skipped=0,
            duration_s=3.0,
            checkout_latency_ms={"p50": 100.0, "p90": p90_ms},
        )
        return run(recovery, kind="chaos", scenario="broker-kill", workload=workload)

    comparison = compare(chaos(1.2, 300.0), chaos(1.9, 305.0))

    assert row(comparison, "recovery fault1_first_completion_s").regression is True
    assert row(comparison, "checkout latency p90").regression is False
    assert row(comparison, "checkout latency p50").delta == 0
    assert not [r for r in comparison.rows if "pre_fault" in r.metric]


def test_different_kinds_are_refused_other_scenarios_warned_about() -> None:
    with pytest.raises(CompareError, match="a chaos result with a loadtest one"):
        compare(run(kind="chaos"), run(kind="loadtest"))
    comparison = compare(
        run(sla("latency-p90", 1.0)),
        run(scenario="loadtest-1000", arguments={"pace_s": "222.0"}, seed=2),
    )

    assert "different scenarios: loadtest-100 -> loadtest-1000" in comparison.warnings
    assert "arguments pace_s: '10.0' -> '222.0'" in comparison.warnings
    assert "different seeds: 1 -> 2" in comparison.warnings
    assert "checks the current run no longer makes: latency-p90" in comparison.warnings


def test_the_comparison_as_a_check_and_as_markdown() -> None:
    before = figures(latency_p90=1.0, latency_p50=0.5, completed_orders_per_s=4.0)
    after = figures(latency_p90=2.0, latency_p50=0.5, completed_orders_per_s=2.0)
    comparison = compare(before, after)
    check = comparison.as_check()

    assert (check.name, check.kind, check.passed) == ("no-regression", "sla", False)
    assert check.figures == {"tolerance_pct": 20.0, "regressions": 2}
    assert check.evidence == [
        "latency_p90: 1.00 s -> 2.00 s (+100 %)",
        "completed_orders_per_s: 4.0 orders/s -> 2.0 orders/s (-50 %)",
    ]
    assert compare(before, before).as_check().passed is True
    text = render_comparison_markdown(comparison, "base.json", "new.json")
    lines = text.splitlines()
    assert lines[0] == "## critter-sandbox comparison: 2 regressions"
    assert "`base.json` → current `new.json`" in text
    assert lines[-3].startswith("| latency\\_p90 | 1.00 s | 2.00 s | +1.00 s (+100.0 %) |")
    assert lines[-3].endswith("| lower | REGRESSION |")
    assert lines[-1].endswith("| ok |")  # regressions first, then the rest


def test_the_real_results_compare() -> None:
    half = read_result(RUNS_DIR / "load-1000-half-capacity.json")
    ramp = read_result(RUNS_DIR / "load-1000-ramp.json")

    assert compare(half, half).regressions == []
    comparison = compare(half, ramp)
    regressed = {r.metric for r in comparison.regressions}
    assert {"latency_p90", "completed_orders_per_s", "check error-rate"} <= regressed
    assert "arguments ramp: 'False' -> 'True'" in comparison.warnings
    markdown = render_comparison_markdown(comparison, "half.json", "ramp.json")
    assert markdown.count("REGRESSION") == len(comparison.regressions)
    kill = read_result(RUNS_DIR / "chaos-2000-broker-kill.json")
    with pytest.raises(CompareError):
        compare(kill, ramp)
