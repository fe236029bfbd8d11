"""Regression comparison: the same test run twice, before and after a change.

A metric regresses when it moved the worse way by more than ``tolerance_pct`` of the
baseline AND more than its unit's noise floor (0 -> 0.001 s is not news). A check that
passed in the baseline and fails now always is one. Results of different kinds measure
different things and are refused; another scenario or other arguments earn a warning only,
since comparing across them is sometimes the point (the same load, twice the customers).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from reports.figures_format import format_change, format_quantity
from reports.gate import REGRESSION_CHECK
from reports.markdown_report import inline_code, table_cell
from reports.model import Check, Figure, RunResult

Better = Literal["lower", "higher"]
DEFAULT_TOLERANCE_PCT = 20.0
NOISE_FLOORS = {"s": 0.05, "ms": 5.0, "share": 0.001, "1/s": 0.2}  # below this: noise

_RUN_FIGURES: tuple[tuple[str, str, Better], ...] = (
    *((f"latency_{p}", "s", "lower") for p in ("p50", "p90", "p98", "p99", "max")),
    ("completed_orders_per_s", "1/s", "higher"),
    ("cpu_per_completed_order_ms", "ms", "lower"),
)


class CompareError(Exception):
    """Two results that cannot be compared at all."""


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    unit: str  # s | ms | share | 1/s, or "" for a check's verdict
    baseline: float | None
    current: float | None
    better: Better
    regression: bool
    note: str = ""

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        if self.baseline == self.current:  # also two infinities: no change
            return 0.0
        return self.current - self.baseline

    @property
    def delta_pct(self) -> float | None:
        """The change as a percentage of the baseline; None when the baseline is 0."""
        delta = self.delta
        if delta is None or self.baseline is None or self.baseline == 0:
            return None
        percent = delta / abs(self.baseline) * 100
        return percent if math.isfinite(percent) else None


@dataclass(frozen=True)
class Comparison:
    kind: str
    scenario: str
    tolerance_pct: float
    rows: list[MetricDelta]
    warnings: list[str] = field(default_factory=list)  # why the comparison may mislead

    @property
    def regressions(self) -> list[MetricDelta]:
        return [row for row in self.rows if row.regression]

    def as_check(self) -> Check:
        """The comparison as one SLA check, so the gate treats it like any other."""
        regressions = self.regressions
        found = _count(len(regressions), "regression") if regressions else "no regression"
        return Check(
            name=REGRESSION_CHECK,
            kind="sla",
            passed=not regressions,
            summary=f"{found} in {_count(len(self.rows), 'comparison')} with the baseline"
            f" (tolerance {self.tolerance_pct:g} %)",
            figures={"tolerance_pct": self.tolerance_pct, "regressions": len(regressions)},
            evidence=[describe_row(row) for row in regressions],
        )


def compare(
    baseline: RunResult, current: RunResult, *, tolerance_pct: float = DEFAULT_TOLERANCE_PCT
) -> Comparison:
    """Every metric both results measured, judged; CompareError for results of other kinds."""
    if baseline.kind != current.kind:
        kinds = f"a {baseline.kind} result with a {current.kind} one"
        raise CompareError(f"cannot compare {kinds}: they measure different things")
    if not math.isfinite(tolerance_pct) or tolerance_pct < 0:
        raise CompareError(f"tolerance must be a percentage >= 0, got {tolerance_pct}")
    rows = _check_regressions(baseline, current) + [
        _judge(metric, measure, value, tolerance_pct)
        for metric, measure, value in _paired_metrics(baseline, current)
    ]
    warnings = _warnings(baseline, current)
    return Comparison(current.kind, current.scenario, tolerance_pct, rows, warnings)


def describe_row(row: MetricDelta) -> str:
    """One line: "latency_p90: 0.947 s -> 1.48 s (+56 %)" or a check's note."""
    if not row.unit:
        return f"{row.metric}: {row.note}"
    change = "" if row.delta_pct is None else f" ({row.delta_pct:+.0f} %)"
    before, after = format_quantity(row.baseline, row.unit), format_quantity(row.current, row.unit)
    return f"{row.metric}: {before} -> {after}{change}"


_Measure = tuple[float | None, str, Better]  # value, unit, which direction is better


def _paired_metrics(
    baseline: RunResult, current: RunResult
) -> Iterator[tuple[str, _Measure, float | None]]:
    """Each number both results measured: its name, baseline measure and current value."""
    before, after = dict(_metrics(baseline)), dict(_metrics(current))
    for name, (value, unit, better) in before.items():
        if name in after and _is_number_or_none(value) and _is_number_or_none(after[name][0]):
            yield name, (_number(value), unit, better), _number(after[name][0])


def _metrics(run: RunResult) -> Iterator[tuple[str, tuple[Figure, str, Better]]]:
    for name, unit, better in _RUN_FIGURES:
        if name in run.figures:
            yield name, (run.figures[name], unit, better)
    for name, value in run.figures.items():
        if name.startswith("http ") and name.endswith(" p90_ms"):
            yield name, (value, "ms", "lower")
    for check in run.checks:
        if check.kind == "sla" and "value" in check.figures:
            yield f"sla {check.name}", _sla_measure(check)
        for key, value in check.figures.items():
            if check.name == "recovery" and key.endswith("first_completion_s"):
                yield f"recovery {key}", (value, "s", "lower")
    if run.kind == "chaos" and run.workload is not None:
        for key, value in run.workload.checkout_latency_ms.items():
            if key in ("p50", "p90", "p99"):
                yield f"checkout latency {key}", (value, "ms", "lower")


def _sla_measure(check: Check) -> tuple[Figure, str, Better]:
    unit = str(check.figures.get("unit") or "")
    value, failed = check.figures["value"], check.figures.get("failed")
    if value is None and unit == "s" and isinstance(failed, int) and failed > 0:
        value = math.inf  # the percentile fell among failed orders: they never completed
    return value, unit, "higher" if unit in ("1/s", "orders") else "lower"


def _check_regressions(baseline: RunResult, current: RunResult) -> list[MetricDelta]:
    # A baseline comparison added to either result is not a property of the system.
    passed_before = {c.name for c in baseline.checks if c.passed and c.name != REGRESSION_CHECK}
    note = "passed in the baseline, fails now: "
    return [
        MetricDelta(f"check {check.name}", "", None, None, "higher", True, note + check.summary)
        for check in current.checks
        if not check.passed and check.name in passed_before
    ]


def _judge(metric: str, measure: _Measure, current: float | None, tolerance: float) -> MetricDelta:
    baseline, unit, better = measure

    def row(regression: bool, note: str = "") -> MetricDelta:
        return MetricDelta(metric, unit, baseline, current, better, regression, note)

    if baseline is None or current is None:
        missing = "baseline" if baseline is None else "current run"
        return row(False, f"no value in the {missing}")
    worse_by = current - baseline if better == "lower" else baseline - current
    if math.isinf(baseline) or math.isinf(current):
        return row(worse_by > 0, "orders that never completed" if worse_by > 0 else "")
    if worse_by <= NOISE_FLOORS.get(unit, 0.0):
        return row(False, "within noise" if worse_by > 0 else "")
    allowed = abs(baseline) * tolerance / 100
    return row(worse_by > allowed, "" if worse_by > allowed else "within tolerance")


def _warnings(baseline: RunResult, current: RunResult) -> list[str]:
    warnings = []
    if baseline.scenario != current.scenario:
        warnings.append(f"different scenarios: {baseline.scenario} -> {current.scenario}")
    for label, before, after in (
        ("arguments", baseline.arguments, current.arguments),
        ("sandbox", baseline.sandbox, current.sandbox),
    ):
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        warnings += [f"{label} {k}: {before.get(k)!r} -> {after.get(k)!r}" for k in changed]
    checked_now = {check.name for check in current.checks} | {REGRESSION_CHECK}
    if dropped := [check.name for check in baseline.checks if check.name not in checked_now]:
        warnings.append(f"checks the current run no longer makes: {', '.join(dropped)}")
    if baseline.seed != current.seed:
        warnings.append(f"different seeds: {baseline.seed} -> {current.seed}")
    return warnings


def _is_number_or_none(value: Figure) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _number(value: Figure) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def render_comparison_markdown(
    comparison: Comparison, baseline_name: str, current_name: str
) -> str:
    """A heading with the verdict, the warnings, and a table of every compared metric."""
    count = len(comparison.regressions)
    verdict = _count(count, "regression") if count else "no regression"
    lines = [
        f"## critter-sandbox comparison: {verdict}",
        "",
        f"{comparison.kind}: {table_cell(comparison.scenario)} · baseline"
        f" {inline_code(baseline_name)} → current {inline_code(current_name)}"
        f" · tolerance {comparison.tolerance_pct:g} %",
    ]
    if comparison.warnings:
        lines += ["", *(f"- ⚠️ {table_cell(warning)}" for warning in comparison.warnings)]
    lines += [
        "",
        "| Metric | Baseline | Current | Change | Better | Verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in sorted(comparison.rows, key=lambda row: not row.regression):  # worst first
        lines.append("| " + " | ".join(table_cell(cell) for cell in _row_cells(row)) + " |")
    return "\n".join(lines) + "\n"


def _row_cells(row: MetricDelta) -> list[str]:
    verdict = "REGRESSION" if row.regression else "ok"
    if row.note:
        verdict += f" ({row.note})"
    if not row.unit:  # a check's verdict, not a measurement
        return [row.metric, "pass", "FAIL", "", "", verdict]
    change = "" if row.delta is None else format_change(row.delta, row.unit)
    if row.delta_pct is not None:
        change += f" ({row.delta_pct:+.1f} %)"
    before, after = format_quantity(row.baseline, row.unit), format_quantity(row.current, row.unit)
    return [row.metric, before, after, change, row.better, verdict]
