"""The run result file (reports/model.py) and the gate over several of them (reports/gate.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from reports.gate import GateRow, gate
from reports.model import Check, FaultRecord, ResultError, RunResult, WorkloadStats, read_result


def check(name: str, passed: bool = True) -> Check:
    return Check(
        name=name,
        passed=passed,
        summary=f"{name} {'held' if passed else 'broke'}",
        figures={"count": 3, "rate": 0.5, "label": "x", "missing": None},
        evidence=[] if passed else [f"{name}: order o-1"],
    )


def result(*checks: Check, scenario: str = "kill-orders") -> RunResult:
    return RunResult(
        scenario=scenario,
        description="kill Orders while customers shop",
        seed=7,
        arguments={"rate": "4"},
        started_at="2026-03-01T12:00:00+00:00",
        finished_at="2026-03-01T12:05:00+00:00",
        sandbox={"port_base": 31000, "replicas": 2},
        workload=WorkloadStats(
            customers=20, planned=60, attempted=60, acknowledged=58, rejected=1, failed=1,
            skipped=0, duration_s=15.2, checkout_latency_ms={"p50": 40.0, "p99": 310.5},
        ),
        timeline=[
            FaultRecord(label="kill orders", kind="process", planned_at_s=5.0,
                        planned_duration_s=0.0, started_at_s=5.01, ended_at_s=7.3,
                        evidence="orders pid 10 -> 11", happened=True),
        ],
        checks=list(checks),
        figures={"orders": 60},
    )  # fmt: skip


def written(path: Path, payload: Any) -> Path:
    path.write_text(json.dumps(payload))
    return path


def payload_of(run: RunResult, **changes: Any) -> dict[str, Any]:
    return run.model_dump(mode="json") | changes


# --- the result file ----------------------------------------------------------------------


def test_a_result_round_trips_through_its_file(tmp_path: Path) -> None:
    run = result(check("orders-not-lost"), check("recovery"))

    path = run.write(tmp_path / "nested" / "run.json")

    assert read_result(path) == run
    assert json.loads(path.read_text())["passed"] is True


def test_a_failing_check_fails_the_run_and_the_file_says_so(tmp_path: Path) -> None:
    run = result(check("orders-not-lost"), check("recovery", passed=False))

    path = run.write(tmp_path / "run.json")

    assert not run.passed
    assert json.loads(path.read_text())["passed"] is False
    assert not read_result(path).passed


def test_a_run_without_checks_has_not_passed(tmp_path: Path) -> None:
    run = result()

    assert not run.passed
    assert json.loads(run.write(tmp_path / "run.json").read_text())["passed"] is False


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"

    with pytest.raises(ResultError, match="no such result file") as refused:
        read_result(path)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize("content", ["{not json", "", "\xff\xfe"])
def test_a_file_that_is_not_json_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="latin-1")

    with pytest.raises(ResultError, match="not a readable JSON result") as refused:
        read_result(path)
    assert str(path) in str(refused.value)


def test_json_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path / "list.json", [1, 2])

    with pytest.raises(ResultError, match="not a result object") as refused:
        read_result(path)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize("version", [4, 0, "1", "2", None])
def test_an_unknown_schema_version_is_refused(tmp_path: Path, version: object) -> None:
    payload = payload_of(result(check("recovery")), schema_version=version)
    path = written(tmp_path / "future.json", payload)

    with pytest.raises(ResultError, match="schema version") as refused:
        read_result(path)
    assert str(path) in str(refused.value)


def test_a_result_without_a_schema_version_is_refused(tmp_path: Path) -> None:
    payload = payload_of(result(check("recovery")))
    del payload["schema_version"]

    with pytest.raises(ResultError, match="schema version None"):
        read_result(written(tmp_path / "old.json", payload))


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"seed": "seven"}, "seed"),
        ({"kind": "benchmark"}, "kind"),
        ({"unexpected": 1}, "unexpected"),
        ({"checks": [{"name": "recovery", "summary": "no verdict"}]}, "checks.0.passed"),
    ],
)
def test_an_invalid_field_is_refused_naming_it(
    tmp_path: Path, changes: dict[str, Any], where: str
) -> None:
    path = written(tmp_path / "invalid.json", payload_of(result(check("recovery")), **changes))

    with pytest.raises(ResultError, match=re.escape(f"invalid result at {where}:")) as refused:
        read_result(path)
    assert str(path) in str(refused.value)


# --- the gate -----------------------------------------------------------------------------


def test_the_gate_passes_when_every_check_of_every_run_passed(tmp_path: Path) -> None:
    paths = [
        result(check("orders-not-lost"), scenario="a").write(tmp_path / "a.json"),
        result(check("recovery"), check("sse-no-leak"), scenario="b").write(tmp_path / "b.json"),
    ]

    verdict = gate(paths)

    assert verdict.passed
    assert verdict.failed_checks == []
    assert [(row.run, row.scenario, row.check.name) for row in verdict.rows] == [
        ("a.json", "a", "orders-not-lost"),
        ("b.json", "b", "recovery"),
        ("b.json", "b", "sse-no-leak"),
    ]


def test_the_gate_fails_and_lists_the_failing_checks(tmp_path: Path) -> None:
    leak = check("sse-no-leak", passed=False)
    paths = [
        result(check("orders-not-lost"), scenario="a").write(tmp_path / "a.json"),
        result(check("recovery"), leak, scenario="b").write(tmp_path / "b.json"),
    ]

    verdict = gate(paths)

    assert not verdict.passed
    assert verdict.failed_checks == [GateRow("b.json", "b", leak)]


def test_the_gate_fails_a_run_that_checked_nothing(tmp_path: Path) -> None:
    paths = [
        result(check("orders-not-lost"), scenario="a").write(tmp_path / "a.json"),
        result(scenario="empty").write(tmp_path / "empty.json"),
    ]

    verdict = gate(paths)

    assert not verdict.passed
    assert verdict.failed_checks == []


def test_the_gate_over_no_result_does_not_pass() -> None:
    assert not gate([]).passed


def test_the_gate_refuses_a_bad_result_file(tmp_path: Path) -> None:
    good = result(check("recovery")).write(tmp_path / "good.json")
    bad = written(tmp_path / "bad.json", {"schema_version": 99})

    with pytest.raises(ResultError, match=re.escape(str(tmp_path / "bad.json"))):
        gate([good, bad])


def test_a_version_1_result_still_reads_with_kinds_from_the_check_names(tmp_path: Path) -> None:
    checks = [check("latency-p90"), check("orders-not-lost"), check("faults-happened")]
    payload = payload_of(result(*checks), schema_version=1)
    for entry in payload["checks"]:
        del entry["kind"]
    for added in ("orders", "order_latency", "environment"):
        del payload[added]

    read = read_result(written(tmp_path / "v1.json", payload))

    assert read.schema_version == 1
    assert [c.kind for c in read.checks] == ["sla", "invariant", "validity"]
    assert read.orders == []


def test_a_check_keeps_the_kind_it_was_given(tmp_path: Path) -> None:
    given = Check(name="orders-not-lost", passed=True, summary="s", kind="validity")
    assert given.kind == "validity"
    assert Check(name="something-new", passed=True, summary="s").kind == "invariant"
