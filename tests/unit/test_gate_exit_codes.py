"""`sandbox gate`: one exit code per class of failure, run through the real CLI entry point
on result files (the gate reads files only, so no sandbox is needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.gate import GateExit
from reports.model import Check, FaultRecord, Figure, OrderPoint, RunResult
from sandbox.cli import main


def check(name: str, passed: bool = True, **figures: Figure) -> Check:
    return Check(name=name, passed=passed, summary=f"{name} summary", figures=dict(figures))


def load_result(*checks: Check, p90_s: float = 0.8, failed: int = 0) -> RunResult:
    """A load test of 100 orders whose latencies are 0.01 .. 1.0 s scaled to ``p90_s``."""
    scale = p90_s / 0.9
    orders = [OrderPoint(at_s=i * 0.1, latency_s=round((i + 1) / 100 * scale, 6))
              for i in range(100 - failed)]  # fmt: skip
    orders += [OrderPoint(at_s=10.0 + i, latency_s=None, outcome="timeout") for i in range(failed)]
    return RunResult(
        kind="loadtest", scenario="loadtest-10", description="d", seed=1,
        started_at="2026-11-27T10:00:00+00:00", finished_at="2026-11-27T10:01:00+00:00",
        checks=list(checks) or [check("latency-p90", value=p90_s, threshold=5.0, unit="s")],
        figures={"completion_status": "Confirmed", "completed_orders_per_s": 1.7,
                 "latency_p90": p90_s},
        orders=orders,
    )  # fmt: skip


def chaos_result(*checks: Check) -> RunResult:
    return RunResult(
        scenario="broker-restart", description="d", seed=2,
        started_at="2026-11-27T10:00:00+00:00", finished_at="2026-11-27T10:01:00+00:00",
        timeline=[FaultRecord(label="restart rabbitmq", kind="process", planned_at_s=5,
                              planned_duration_s=0, happened=True)],
        checks=list(checks),
    )  # fmt: skip


def gate(tmp_path: Path, *results: RunResult, extra: tuple[str, ...] = ()) -> int:
    paths = [str(r.write(tmp_path / f"run{i}.json")) for i, r in enumerate(results)]
    return main(["gate", *paths, *extra])


def test_the_codes_are_the_documented_numbers() -> None:
    assert {code.name: int(code) for code in GateExit} == {
        "PASSED": 0, "SLA_BREACHED": 1, "BAD_INPUT": 2, "INVARIANT_VIOLATED": 3,
        "RUN_INVALID": 4, "REGRESSED": 5,
    }  # fmt: skip


def test_every_check_passed_is_0(tmp_path: Path) -> None:
    assert gate(tmp_path, load_result(), chaos_result(check("orders-not-lost"))) == 0


def test_an_sla_breach_is_1(tmp_path: Path) -> None:
    slow = load_result(check("latency-p90", False), check("orders-not-lost"))
    assert gate(tmp_path, slow) == 1


def test_an_unknown_schema_version_is_bad_input_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"schema_version": 9, "scenario": "x"}))
    assert main(["gate", str(future)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"error: {future}: result schema version 9; this tool reads 1, 2 and 3"


def test_an_invariant_violation_is_3_even_beside_an_sla_breach(tmp_path: Path) -> None:
    lost = chaos_result(check("orders-not-lost", False), check("recovery", False))
    assert gate(tmp_path, load_result(), lost) == 3


@pytest.mark.parametrize("invalid", ["faults-happened", "steady-state", "enough-orders"])
def test_an_invalid_run_is_4_whatever_else_failed(tmp_path: Path, invalid: str) -> None:
    run = chaos_result(check(invalid, False), check("orders-not-lost", False))
    assert gate(tmp_path, run) == 4


def test_a_run_that_checked_nothing_is_invalid(tmp_path: Path) -> None:
    assert gate(tmp_path, chaos_result()) == GateExit.RUN_INVALID


def test_a_regression_against_the_baseline_is_5(tmp_path: Path) -> None:
    baseline = load_result(p90_s=1.0).write(tmp_path / "baseline.json")
    slower = load_result(p90_s=1.5)  # 50 % worse, still within the SLA
    assert gate(tmp_path, slower) == 0
    assert gate(tmp_path, slower, extra=("--baseline", str(baseline))) == GateExit.REGRESSED
    within = ("--baseline", str(baseline), "--tolerance", "60")
    assert gate(tmp_path, slower, extra=within) == 0


def test_a_stricter_sla_file_judges_the_same_orders_again(tmp_path: Path) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text('completion = "Confirmed"\n[latency]\np90 = 0.5\n[errors]\nrate = 0.01\n')
    loose = tmp_path / "loose.toml"
    loose.write_text('completion = "Confirmed"\n[latency]\np90 = 2.0\n[errors]\nrate = 0.01\n')
    run = load_result(p90_s=0.8)
    assert gate(tmp_path, run, extra=("--sla", str(loose))) == 0
    assert gate(tmp_path, run, extra=("--sla", str(strict))) == GateExit.SLA_BREACHED
    failing = load_result(p90_s=0.8, failed=5)  # 5 % of orders failed: error rate breached
    assert gate(tmp_path, failing, extra=("--sla", str(loose))) == GateExit.SLA_BREACHED


@pytest.mark.parametrize(
    ("sla_text", "message"),
    [
        ('completion = "Delivered"\n[latency]\np90 = 2.0\n[errors]\nrate = 0.01\n',
         "measured orders until Confirmed"),
        ('completion = "Confirmed"\n[latency]\np9O = 2.0\n[errors]\nrate = 0.01\n',
         "latency.p9O: unknown key"),
    ],
)  # fmt: skip
def test_an_sla_that_cannot_judge_the_run_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sla_text: str, message: str
) -> None:
    sla = tmp_path / "sla.toml"
    sla.write_text(sla_text)
    assert gate(tmp_path, load_result(), extra=("--sla", str(sla))) == GateExit.BAD_INPUT
    [line] = capsys.readouterr().err.strip().splitlines()
    assert message in line


def test_a_result_without_order_points_cannot_be_judged_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = load_result().model_copy(update={"orders": [], "schema_version": 1})
    sla = Path(__file__).resolve().parents[2] / "sla.toml"
    assert gate(tmp_path, old, extra=("--sla", str(sla))) == GateExit.BAD_INPUT
    assert "holds no per-order points (schema version 1)" in capsys.readouterr().err
