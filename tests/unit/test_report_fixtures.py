"""Reports and the gate on results of real runs (tests/fixtures/results, see its README)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from reports.html_report import render_html
from reports.junit_report import render_junit
from reports.markdown_report import render_markdown
from reports.model import RunResult, read_result
from reports.rejudge import with_sla
from reports.sla import DEFAULT_SLA_PATH, load_sla
from sandbox.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "results"
CHAOS = FIXTURES / "chaos-broker-restart.json"
FAULTED_LOAD = FIXTURES / "loadtest-40-with-service-pause.json"
FAILED_LOAD = FIXTURES / "loadtest-10-strict-sla-failed.json"
SCHEMA_1 = FIXTURES / "schema1-loadtest-1000.json"
STRICT_SLA = FIXTURES / "strict-sla.toml"
ALL = (CHAOS, FAULTED_LOAD, FAILED_LOAD, SCHEMA_1)


def runs(*paths: Path) -> list[tuple[str, RunResult]]:
    return [(path.name, read_result(path)) for path in paths]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_junit_has_one_case_per_check_and_a_failure_per_failed_check(path: Path) -> None:
    [(name, result)] = runs(path)
    suites = ElementTree.fromstring(render_junit([(name, result)]))
    cases = list(suites.iter("testcase"))
    assert [case.get("name") for case in cases] == [f"{c.kind}/{c.name}" for c in result.checks]
    failures = [case.find("failure") for case in cases if case.find("failure") is not None]
    assert len(failures) == sum(not c.passed for c in result.checks)
    assert suites.get("failures") == str(len(failures))


def test_a_failed_checks_junit_failure_carries_value_and_threshold() -> None:
    suites = ElementTree.fromstring(render_junit(runs(FAILED_LOAD)))
    failure = next(case.find("failure") for case in suites.iter("testcase")
                   if case.get("name") == "sla/latency-p90")  # fmt: skip
    assert failure is not None
    message = failure.get("message", "")
    assert "0.3 s" in message
    assert "0.575 s" in message


def test_the_markdown_states_the_verdict_first() -> None:
    assert render_markdown(runs(CHAOS, FAULTED_LOAD)).startswith("## critter-sandbox: PASSED")
    failed = render_markdown(runs(CHAOS, FAILED_LOAD)).splitlines()[0]
    assert failed == "## critter-sandbox: FAILED (2 checks: 2 sla)"


def test_the_html_charts_a_real_run_with_its_fault_and_notes_a_schema_1_one() -> None:
    page = render_html(runs(FAULTED_LOAD, SCHEMA_1))
    for chart in ("latency", "throughput", "distribution", "errors"):
        assert f'data-chart="{chart}"' in page
    assert "pause orders" in page  # the fault's band is labelled on the time charts
    assert "no per-order points" in page  # the schema-1 run
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_gate_on_real_results(tmp_path: Path) -> None:
    assert main(["gate", str(CHAOS), str(FAULTED_LOAD)]) == 0
    assert main(["gate", str(CHAOS), str(FAILED_LOAD)]) == 1
    # The same orders, judged by the default SLA instead of the strict one, pass it.
    assert main(["gate", str(FAILED_LOAD), "--sla", str(DEFAULT_SLA_PATH)]) == 0
    assert main(["gate", str(FAULTED_LOAD), "--sla", str(STRICT_SLA)]) == 1
    assert main(["gate", str(SCHEMA_1), "--sla", str(DEFAULT_SLA_PATH)]) == 2


@pytest.mark.parametrize(("path", "sla"), [(FAILED_LOAD, STRICT_SLA), (FAULTED_LOAD, None)])
def test_re_judging_with_the_runs_own_sla_reproduces_its_checks(
    path: Path, sla: Path | None
) -> None:
    result = read_result(path)
    again = with_sla(result, load_sla(sla or DEFAULT_SLA_PATH), path.name)
    assert sorted(again.checks, key=lambda c: c.name) == sorted(result.checks, key=lambda c: c.name)


def test_the_chaos_runs_snapshots_show_the_broker_down_and_the_outbox_holding_on() -> None:
    [(_name, result)] = runs(CHAOS)
    assert result.schema_version == 3
    labels = [snapshot.label for snapshot in result.snapshots]
    assert labels == ["before", "during pause payments", "during restart rabbitmq", "after"]
    during = result.snapshots[2]
    assert during.unreadable == ["rabbitmq: ConnectError"]
    assert sum(figures.get("outbox", 0) for figures in during.services.values()) == 76
    html = render_html(runs(CHAOS))
    assert "<th>outbox rows</th><td class='num'>0</td><td class='num'>76</td>" in html
