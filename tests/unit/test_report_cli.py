"""`sandbox report` through the real CLI entry point: the three reports from result files,
and `--compare BASELINE CURRENT`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from reports.model import Check, OrderPoint, RunResult, read_result
from sandbox.cli import main

RUNS = Path(__file__).resolve().parents[2] / "docs" / "runs"


def load_run(p90_s: float, *, passed: bool = True) -> RunResult:
    return RunResult(
        kind="loadtest", scenario="loadtest-10", description="d", seed=1,
        started_at="2026-11-27T10:00:00+00:00", finished_at="2026-11-27T10:01:00+00:00",
        checks=[Check(name="latency-p90", passed=passed, summary="p90",
                      figures={"value": p90_s, "threshold": 5.0, "unit": "s"})],
        figures={"latency_p90": p90_s, "completed_orders_per_s": 2.0},
        orders=[OrderPoint(at_s=i, latency_s=p90_s) for i in range(30)],
    )  # fmt: skip


def test_one_result_gets_its_three_reports_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = load_run(0.8).write(tmp_path / "run.json")
    assert main(["report", str(path)]) == 0
    html, junit, markdown = (tmp_path / f"run{suffix}" for suffix in (".html", ".junit.xml", ".md"))
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert len(list(ElementTree.parse(junit).getroot().iter("testcase"))) == 1
    assert markdown.read_text().startswith("## critter-sandbox: PASSED")
    assert str(html) in capsys.readouterr().out.replace("\n", "")


def test_several_results_make_one_report_in_the_out_folder(tmp_path: Path) -> None:
    paths = sorted(RUNS.glob("chaos-*.json")) + sorted(RUNS.glob("load-*.json"))
    assert main(["report", *map(str, paths), "--out", str(tmp_path / "out")]) == 0
    suites = ElementTree.parse(tmp_path / "out" / "report.junit.xml").getroot()
    cases = list(suites.iter("testcase"))
    assert len(cases) == sum(len(read_result(p).checks) for p in paths)


def test_compare_flags_a_regression_and_writes_it_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = load_run(1.0).write(tmp_path / "base.json")
    same = load_run(1.1).write(tmp_path / "same.json")
    slow = load_run(2.0).write(tmp_path / "slow.json")
    assert main(["report", "--compare", str(base), str(same)]) == 0
    assert main(["report", "--compare", str(base), str(slow)]) == 5
    out = capsys.readouterr().out
    assert "REGRESSION" in out
    written = tmp_path / "compare-base-vs-slow.md"
    assert "latency\\_p90 |" in written.read_text()  # Markdown-escaped


@pytest.mark.parametrize("count", [1, 3])
def test_compare_wants_exactly_two_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], count: int
) -> None:
    paths = [str(load_run(1.0).write(tmp_path / f"r{i}.json")) for i in range(count)]
    assert main(["report", "--compare", *paths]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"error: --compare takes BASELINE CURRENT: 2 result files, got {count}"


def test_a_file_that_is_not_a_result_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps([1, 2]))
    assert main(["report", str(junk)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {junk}: not a result object"
    assert not list(tmp_path.glob("junk.*ml"))
