"""JUnit XML for CI test tabs (reports/junit_report.py), read back with xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from reports.junit_report import render_junit, xml_safe
from reports.model import Check, FaultRecord, Figure, RunResult, read_result

RUNS_DIR = Path(__file__).resolve().parents[2] / "docs" / "runs"


def sla(name: str, value: Figure, threshold: float, passed: bool, unit: str = "s") -> Check:
    figures: dict[str, Figure] = {"value": value, "threshold": threshold, "unit": unit}
    return Check(name=name, passed=passed, summary=f"{name} measured", figures=figures)


def run(*checks: Check, scenario: str = "kill-orders", **changes: object) -> RunResult:
    fields: dict[str, object] = {
        "kind": "chaos",
        "scenario": scenario,
        "description": "kill Orders while customers shop",
        "seed": 7,
        "arguments": {"rate": "4"},
        "started_at": "2026-03-01T12:00:00+00:00",
        "finished_at": "2026-03-01T12:05:00.500000+00:00",
        "environment": {"host": "ci-runner-3", "python": "3.11.7"},
        "timeline": [
            FaultRecord(label="kill orders", kind="process", planned_at_s=5.0,
                        planned_duration_s=0.0, started_at_s=5.0, ended_at_s=7.0,
                        evidence="orders pid 10 -> 11", happened=True),
        ],
        "checks": list(checks),
    }  # fmt: skip
    return RunResult.model_validate(fields | changes)


def parsed(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))  # bytes: the declaration must hold too


def test_one_testcase_per_check_with_counts() -> None:
    lost = Check(
        name="orders-not-lost",
        passed=False,
        summary="2 orders lost",
        evidence=["order o-1 never confirmed", "order o-2 never confirmed"],
    )
    first = run(
        Check(name="steady-state", passed=True, summary="all ready"),
        lost,
        sla("latency-p90", 9.727, 5.0, passed=False),
    )
    second = run(sla("error-rate", 0.0, 0.01, passed=True, unit="share"), scenario="other")
    root = parsed(render_junit([("a.json", first), ("b.json", second)]))

    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "4", "2")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["chaos: kill-orders", "chaos: other"]
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("3", "2"), ("1", "0")]
    assert all(s.get("errors") == "0" and s.get("skipped") == "0" for s in suites)
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == [
        "validity/steady-state",
        "invariant/orders-not-lost",
        "sla/latency-p90",
    ]
    assert {c.get("classname") for c in cases} == {"critter.chaos.kill-orders"}
    assert cases[0].find("failure") is None
    assert cases[0].findtext("system-out") == "all ready"


def test_a_failure_carries_value_threshold_summary_and_evidence() -> None:
    lost = Check(
        name="orders-not-lost",
        passed=False,
        summary="2 orders lost",
        figures={"lost": 2},
        evidence=["order o-1 never confirmed"],
    )
    suite = parsed(render_junit([("a.json", run(lost, sla("latency-p90", 9.727, 5.0, False)))]))
    latency = suite.find(".//testcase[@name='sla/latency-p90']/failure")
    invariant = suite.find(".//testcase[@name='invariant/orders-not-lost']/failure")

    assert latency is not None
    assert invariant is not None
    assert latency.get("type") == "sla"
    assert latency.get("message") == "measured 9.73 s, threshold 5 s: latency-p90 measured"
    assert invariant.get("type") == "invariant"
    assert invariant.get("message") == "2 orders lost"
    details = invariant.text or ""
    assert "2 orders lost" in details
    assert "lost: 2" in details
    assert "order o-1 never confirmed" in details


def test_suite_time_timestamp_hostname_and_properties() -> None:
    suite = parsed(render_junit([("kill.json", run(sla("recovery", 1.2, 5.0, True)))]))[0]

    assert suite.get("time") == "300.500"
    assert suite.get("timestamp") == "2026-03-01T12:00:00"
    assert suite.get("hostname") == "ci-runner-3"
    assert suite[0].tag == "properties"  # the schema wants them before the test cases
    properties = {p.get("name"): p.get("value") for p in suite[0]}
    assert properties["seed"] == "7"
    assert properties["file"] == "kill.json"
    assert properties["description"] == "kill Orders while customers shop"
    assert properties["argument.rate"] == "4"
    assert properties["environment.python"] == "3.11.7"
    assert "kill orders" in (suite.findtext("system-out") or "")


def test_hostile_text_survives_parsing() -> None:
    hostile = "a]]>b<c>&d\"e'\x00\x08\x0b\x1b\ud800\ufffe\n\tf"
    check = Check(name=f"weird{hostile}", passed=False, summary=hostile, evidence=[hostile])
    result = run(check, scenario=f"s{hostile}", description=hostile,
                 arguments={"x": hostile}, environment={"note": hostile})  # fmt: skip
    root = parsed(render_junit([(f"f{hostile}.json", result)]))

    kept = "a]]>b<c>&d\"e'\n\tf"
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == kept
    assert kept in (failure.text or "")
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["argument.x"] == kept
    assert properties["environment.note"] == kept
    assert properties["file"] == f"f{kept}.json"
    assert xml_safe("\x01ok\ud83d") == "ok"


def test_a_run_without_checks_is_a_failure() -> None:
    root = parsed(render_junit([("empty.json", run())]))

    assert (root.get("tests"), root.get("failures")) == ("1", "1")
    failure = root.find(".//testcase[@name='validity/checks-recorded']/failure")
    assert failure is not None


def test_the_real_results_render() -> None:
    runs = []
    for path in sorted(RUNS_DIR.glob("*.json")):
        if path.name != "bench-infra.json":  # a benchmark, not a run result
            runs.append((path.name, read_result(path)))
    assert runs, f"no run results in {RUNS_DIR}"
    root = parsed(render_junit(runs))

    checks = [check for _, result in runs for check in result.checks]
    assert len(root.findall(".//testcase")) == len(checks)
    assert int(root.get("failures", "")) == sum(not check.passed for check in checks)
    assert len(root.findall("testsuite")) == len(runs)
    messages = [failure.get("message") or "" for failure in root.iter("failure")]
    assert any(m.startswith("measured 80.80 %, threshold 1 %: error rate") for m in messages)
