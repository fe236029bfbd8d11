"""The load test's SLA file (sla.toml) and its evaluation on exact percentiles (reports/sla.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reports.model import Check, RunResult
from reports.sla import (
    DEFAULT_SLA_PATH,
    Sla,
    SlaError,
    evaluate,
    exact_percentile,
    latency_figures,
    load_sla,
)

VALID = """\
completion = "Confirmed"
[latency]
p90 = 5.0
p98 = 10
[errors]
rate = 0.01
"""


def write_sla(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sla.toml"
    path.write_text(text)
    return path


def sla(
    *percentiles: tuple[float, float],
    max_latency_s: float | None = None,
    rate: float = 0.01,
    min_throughput: float | None = None,
) -> Sla:
    return Sla("Confirmed", tuple(sorted(percentiles)), max_latency_s, rate, min_throughput, "t")


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


# --- the file -------------------------------------------------------------------------------


def test_the_shipped_sla_is_p90_5s_p98_10s_and_1_percent_errors() -> None:
    shipped = load_sla(DEFAULT_SLA_PATH)
    assert Path(__file__).resolve().parents[2] / "sla.toml" == DEFAULT_SLA_PATH
    assert shipped.completion == "Confirmed"
    assert shipped.percentiles == ((90.0, 5.0), (98.0, 10.0))
    assert shipped.max_error_rate == 0.01
    assert (shipped.max_latency_s, shipped.min_throughput) == (None, None)
    assert shipped.source == str(DEFAULT_SLA_PATH)
    assert shipped.describe() == (
        "until Confirmed: p90 <= 5 s, p98 <= 10 s, errors <= 1 %, at least 20 orders"
    )


def test_percentiles_are_sorted_and_optional_limits_are_read(tmp_path: Path) -> None:
    text = """\
completion = "Delivered"
[latency]
p99 = 20
"p99.9" = 30.0
p50 = 1.5
max = 60
[errors]
rate = 0
[throughput]
min_completed_per_s = 40
"""
    loaded = load_sla(write_sla(tmp_path, text))
    assert loaded.percentiles == ((50.0, 1.5), (99.0, 20.0), (99.9, 30.0))
    assert all(isinstance(value, float) for pair in loaded.percentiles for value in pair)
    assert (loaded.completion, loaded.max_latency_s, loaded.max_error_rate) == ("Delivered", 60, 0)
    assert loaded.min_throughput == 40.0


REFUSED = [
    ("latency.p9o", 'completion = "Confirmed"\n[latency]\np9o = 5\n[errors]\nrate = 0.01\n'),
    ("latency.p0", 'completion = "Confirmed"\n[latency]\np0 = 5\n[errors]\nrate = 0.01\n'),
    ("latency.p100.5", VALID.replace("p90 = 5.0", '"p100.5" = 5')),
    ("latency.p90", VALID.replace("p90 = 5.0", 'p90 = "5s"')),
    ("latency.p90", VALID.replace("p90 = 5.0", "p90 = true")),
    ("latency.p90", VALID.replace("p90 = 5.0", "p90 = 0")),
    ("latency.p90", VALID.replace("p90 = 5.0", "p90 = -1.0")),
    ("latency.p90", VALID.replace("p90 = 5.0", "p90 = inf")),
    ("latency.p99", VALID.replace("p90 = 5.0", "p99.9 = 20")),  # unquoted: a nested table
    ("latency.p090", VALID.replace("p90 = 5.0", "p90 = 5.0\np090 = 6.0")),
    ("latency.max", VALID.replace("p90 = 5.0", "p90 = 5.0\nmax = 0")),
    ("latency.mean", VALID.replace("p90 = 5.0", "p90 = 5.0\nmean = 2")),
    ("latency:", 'completion = "Confirmed"\n[latency]\n[errors]\nrate = 0.01\n'),
    ("latency:", 'completion = "Confirmed"\nlatency = 5\n[errors]\nrate = 0.01\n'),
    ("latency:", 'completion = "Confirmed"\n[errors]\nrate = 0.01\n'),
    ("errors.rate", VALID.replace("rate = 0.01", "rate = -0.01")),
    ("errors.rate", VALID.replace("rate = 0.01", "rate = 1")),
    ("errors.rate", VALID.replace("rate = 0.01", "rate = '1%'")),
    ("errors.rate", VALID.replace("rate = 0.01", "")),
    ("errors.ratio", VALID.replace("rate = 0.01", "rate = 0.01\nratio = 0.02")),
    ("errors:", VALID.replace("[errors]\nrate = 0.01\n", "")),
    ("completion", VALID.replace('"Confirmed"', '"Paid"')),
    ("completion", VALID.replace('"Confirmed"', '"confirmed"')),
    ("completion", VALID.replace('"Confirmed"', "3")),
    ("completion", VALID.replace('completion = "Confirmed"\n', "")),
    ("timeout", "timeout = 30\n" + VALID),
    ("latencies", VALID + "[latencies]\np90 = 1\n"),
    ("throughput.min_completed_per_s", VALID + "[throughput]\nmin_completed_per_s = 0\n"),
    ("throughput.min_completed_per_s", VALID + "[throughput]\n"),
    ("throughput.max_per_s", VALID + "[throughput]\nmax_per_s = 9\n"),
]


@pytest.mark.parametrize(("key", "text"), REFUSED)
def test_every_doubtful_sla_is_refused_naming_the_key(tmp_path: Path, key: str, text: str) -> None:
    path = write_sla(tmp_path, text)
    with pytest.raises(SlaError) as refused:
        load_sla(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {key}"), message
    assert "\n" not in message


def test_a_typo_in_a_metric_name_says_which_names_exist(tmp_path: Path) -> None:
    path = write_sla(tmp_path, VALID.replace("p90", "p9o"))
    with pytest.raises(SlaError, match=r"latency\.p9o: unknown key \(use p<number> such as p90"):
        load_sla(path)


def test_toml_syntax_errors_carry_line_and_column(tmp_path: Path) -> None:
    path = write_sla(tmp_path, VALID.replace("p98 = 10", "p98 = = 10"))
    with pytest.raises(SlaError, match=r"not valid TOML: .*line 4, column"):
        load_sla(path)


def test_a_missing_or_undecodable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SlaError, match="no such SLA file"):
        load_sla(tmp_path / "absent.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'completion = "Confirm\xe9d"\n')
    with pytest.raises(SlaError, match=str(path)):
        load_sla(path)


# --- exact percentiles ----------------------------------------------------------------------


def test_nearest_rank_percentiles_on_known_lists() -> None:
    hundred = [float(n) for n in range(100, 0, -1)]  # unsorted on purpose
    assert exact_percentile(hundred, 90) == 90
    assert exact_percentile(hundred, 98) == 98
    assert exact_percentile(hundred, 100) == 100
    assert exact_percentile(hundred, 0.5) == 1
    assert exact_percentile([1, 2, 3, 4], 50) == 2
    assert exact_percentile([1, 2, 3, 4], 50.1) == 3
    assert exact_percentile([0.7], 1) == 0.7
    assert exact_percentile([0.7], 100) == 0.7
    thousand = [float(n) for n in range(1, 1001)]
    assert exact_percentile(thousand, 99.9) == 999
    # 16.1 * 1000 / 100 is 161.00000000000003 in binary floating point: the rank stays 161.
    assert exact_percentile(thousand, 16.1) == 161


@pytest.mark.parametrize(
    ("samples", "p"), [([], 50), ([1.0], 0), ([1.0], 100.01), ([1.0], -5), ([1.0], math.nan)]
)
def test_exact_percentile_refuses_no_samples_and_percentiles_outside_0_100(
    samples: list[float], p: float
) -> None:
    with pytest.raises(ValueError, match=r"percentile|no samples"):
        exact_percentile(samples, p)


def test_nan_or_negative_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="NaN or a negative"):
        exact_percentile([1.0, math.nan], 50)
    with pytest.raises(ValueError, match="NaN or a negative"):
        latency_figures([-0.1, 1.0])


# --- evaluation ------------------------------------------------------------------------------


def test_a_healthy_run_passes_with_figures_and_readable_summaries() -> None:
    latencies = [n / 100 for n in range(1, 1235)]  # 0.01 .. 12.34 s
    checks = by_name(evaluate(sla((90, 12), (98, 13)), latencies, failed=0))
    assert list(checks) == ["latency-p90", "latency-p98", "error-rate", "enough-orders"]
    assert all(check.passed for check in checks.values())
    p90 = checks["latency-p90"]
    assert p90.figures == {
        "value": 11.11,
        "threshold": 12,
        "unit": "s",
        "orders": 1234,
        "failed": 0,
    }
    assert p90.summary == "p90 11.110 s <= 12 s over 1,234 orders"
    assert checks["error-rate"].summary == "error rate 0.00 % (0 of 1,234 orders failed) <= 1 %"


def test_failed_orders_count_as_infinite_latency() -> None:
    fast = [0.1] * 89
    just_under = by_name(evaluate(sla((90, 5)), [*fast, 0.2], failed=10))["latency-p90"]
    assert just_under.passed  # 10 % failed: rank 90 of 100 is still a completed order
    assert just_under.figures["value"] == 0.2
    assert just_under.summary == "p90 0.200 s <= 5 s over 100 orders (10 failed)"
    too_many = by_name(evaluate(sla((90, 5), rate=0.5), fast, failed=11))
    p90 = too_many["latency-p90"]
    assert not p90.passed
    assert p90.figures["value"] is None
    assert p90.summary == "p90 over 5 s: 11 of 100 orders failed and count as never completing"
    assert too_many["error-rate"].passed  # only the latency check caught it


def test_an_impossible_threshold_fails_and_makes_the_result_fail() -> None:
    checks = evaluate(sla((90, 0.000001)), [0.5, 0.6, 0.7], failed=0)
    assert not by_name(checks)["latency-p90"].passed
    assert by_name(checks)["latency-p90"].summary == "p90 0.700 s > 1e-06 s over 3 orders"
    result = RunResult(
        kind="loadtest",
        scenario="loadtest",
        description="impossible SLA",
        seed=1,
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:01:00Z",
        checks=checks,
    )
    assert not result.passed


def test_error_rate_max_and_throughput_limits() -> None:
    strict = sla((50, 1), max_latency_s=2.0, rate=0.01, min_throughput=10)
    checks = by_name(evaluate(strict, [0.5] * 98 + [2.5], failed=2, completed_per_s=9.5))
    assert list(checks) == [
        "latency-p50",
        "latency-max",
        "error-rate",
        "throughput",
        "enough-orders",
    ]
    assert checks["latency-p50"].passed
    assert not checks["latency-max"].passed
    assert not checks["error-rate"].passed
    assert checks["error-rate"].summary == "error rate 1.98 % (2 of 101 orders failed) > 1 %"
    assert not checks["throughput"].passed
    assert checks["throughput"].summary == "9.5 completed orders/s < 10 orders/s (99 completed)"
    passing = by_name(evaluate(strict, [0.5] * 100, failed=1, completed_per_s=10))
    assert passing["error-rate"].passed  # 1 of 101 <= 1 %
    assert passing["throughput"].passed
    assert not passing["latency-max"].passed  # the failed order never completed
    with pytest.raises(ValueError, match="throughput"):
        evaluate(strict, [0.5], failed=0)


def test_zero_orders_fail_every_check() -> None:
    checks = evaluate(sla((90, 5), max_latency_s=9, min_throughput=1), [], 0, completed_per_s=0)
    assert [check.name for check in checks] == [
        "latency-p90",
        "latency-max",
        "error-rate",
        "throughput",
        "enough-orders",
    ]
    assert not any(check.passed for check in checks)
    assert all(check.summary.startswith("no order completed") for check in checks[:-1])
    assert checks[-1].summary == "0 orders measured < the 1 needed"


def test_only_failed_orders_fail_latency_with_no_order_completed() -> None:
    checks = by_name(evaluate(sla((90, 5)), [], failed=4))
    assert checks["latency-p90"].summary == "p90: no order completed; all 4 orders failed"
    assert [name for name, check in checks.items() if check.passed] == ["enough-orders"]


def test_latency_figures_are_exact_and_rounded_to_milliseconds() -> None:
    latencies = [n / 1000 + 0.0004 for n in range(1, 101)]  # 0.0014 .. 0.1004
    assert latency_figures(latencies) == {
        "p50": 0.05,
        "p90": 0.09,
        "p98": 0.098,
        "p99": 0.099,
        "max": 0.1,
        "mean": 0.051,
        "count": 100,
    }
    empty = latency_figures([])
    assert empty["count"] == 0
    assert {empty[key] for key in ("p50", "p90", "p98", "p99", "max", "mean")} == {None}


def test_too_few_orders_make_the_run_invalid(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text('completion = "Confirmed"\n[latency]\np90 = 5.0\n[errors]\nrate = 0.01\n'
                    "[run]\nmin_orders = 20\n")  # fmt: skip
    checks = by_name(evaluate(load_sla(path), [0.1] * 18, failed=1))
    enough = checks["enough-orders"]
    assert (enough.passed, enough.kind) == (False, "validity")
    assert enough.summary == "19 orders measured < the 20 needed"
    assert checks["latency-p90"].passed  # the SLA itself holds; the run proves too little


@pytest.mark.parametrize("value", ["0", "2.5", "true", '"20"'])
def test_a_bad_min_orders_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "sla.toml"
    path.write_text('completion = "Confirmed"\n[latency]\np90 = 5.0\n[errors]\nrate = 0.01\n'
                    f"[run]\nmin_orders = {value}\n")  # fmt: skip
    with pytest.raises(SlaError, match=r"run\.min_orders: expected a whole number"):
        load_sla(path)
