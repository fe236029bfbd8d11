"""Markdown for CI job summaries and pull-request comments (reports/markdown_report.py)."""

from __future__ import annotations

from pathlib import Path

from reports.markdown_report import MAX_CHARS, render_markdown, table_cell
from reports.model import Check, Figure, RunResult, read_result

RUNS_DIR = Path(__file__).resolve().parents[2] / "docs" / "runs"


def check(name: str, passed: bool = True, **fields: object) -> Check:
    return Check.model_validate({"name": name, "passed": passed, "summary": f"{name} ok"} | fields)


def sla(name: str, value: Figure, threshold: float, passed: bool, unit: str = "s") -> Check:
    figures = {"value": value, "threshold": threshold, "unit": unit}
    return check(name, passed, summary=f"{name} measured", figures=figures)


def run(*checks: Check, kind: str = "chaos", **changes: object) -> RunResult:
    fields: dict[str, object] = {
        "kind": kind,
        "scenario": "kill-orders",
        "description": "kill Orders while customers shop",
        "seed": 7,
        "started_at": "2026-03-01T12:00:00+00:00",
        "finished_at": "2026-03-01T12:05:24+00:00",
        "checks": list(checks),
    }
    return RunResult.model_validate(fields | changes)


def cells(row: str) -> list[str]:
    """Split a table row the way GitHub does: a backslash escapes the next character."""
    found, current, index = [], "", 1  # past the leading pipe
    while index < len(row):
        char = row[index]
        if char == "\\" and index + 1 < len(row):
            current += row[index : index + 2]
            index += 2
            continue
        if char == "|":
            found.append(current.strip())
            current = ""
        else:
            current += char
        index += 1
    return found


def table_rows(text: str) -> list[list[str]]:
    """Every table row but the delimiter rows (|---|)."""
    return [cells(line) for line in text.splitlines() if line.startswith("| ")]


def test_the_first_line_is_the_verdict() -> None:
    passing = run(check("steady-state"), sla("recovery", 1.2, 5.0, True))
    failing = run(check("orders-not-lost", False), sla("latency-p90", 9.7, 5.0, False),
                  check("stock-conserved", False))  # fmt: skip

    assert render_markdown([("a.json", passing)]).splitlines()[0] == "## critter-sandbox: PASSED"
    first = render_markdown([("a.json", passing), ("b.json", failing)]).splitlines()[0]
    assert first == "## critter-sandbox: FAILED (3 checks: 1 sla, 2 invariant)"
    single = render_markdown([("c.json", run(check("steady-state", False)))]).splitlines()[0]
    assert single == "## critter-sandbox: FAILED (1 check: 1 validity)"
    assert "FAILED (1 run without checks)" in render_markdown([("e.json", run())])
    assert render_markdown([]).startswith("## critter-sandbox: FAILED")


def test_each_run_has_facts_and_a_table_of_checks() -> None:
    text = render_markdown([("kill.json", run(check("steady-state"), sla("p", 9.727, 5, False)))])

    assert "### ❌ chaos: kill-orders: FAILED" in text
    assert "`kill.json` · seed 7 · duration 5 min 24 s · 2 checks, 1 failed" in text
    header, *rows = table_rows(text)
    assert header == ["", "Check", "Kind", "Result", "Measured", "Threshold", "Summary"]
    assert rows[0] == ["✅", "steady-state", "validity", "pass", "", "", "steady-state ok"]
    assert rows[1] == ["❌", "p", "invariant", "**FAIL**", "9.73 s", "5 s", "p measured"]


def test_pipes_newlines_and_markup_in_cells_are_escaped() -> None:
    hostile = "a | b\nc \\| d <script> *e*"
    text = render_markdown([("x.json", run(check("odd", False, summary=hostile)))])

    row = table_rows(text)[1]
    assert len(row) == 7  # the pipes inside the summary did not open new cells
    assert row[6] == table_cell(hostile)
    assert row[6] == "a \\| b c \\\\\\| d \\<script> \\*e\\*"  # no tag, no emphasis
    assert table_cell("x|y") == "x\\|y"


def test_failed_checks_show_their_first_evidence_lines() -> None:
    evidence = [f"order o-{n} lost" for n in range(1, 9)] + ["```"]
    text = render_markdown([("a.json", run(check("orders-not-lost", False, evidence=evidence)))])

    assert "**Evidence of the failed checks**" in text
    assert "order o-5 lost" in text
    assert "order o-6 lost" not in text
    assert "... and 4 more in the result file" in text
    shown = render_markdown([("a.json", run(check("dup", False, evidence=["``` `` x"])))])
    assert "````text" in shown  # the fence outgrows the backticks inside the evidence


def test_load_tests_show_their_key_figures() -> None:
    figures = {"latency_p50": 0.463, "latency_p90": 0.947, "latency_p98": 1.479,
               "completed_orders_per_s": 4.38, "cpu_per_completed_order_ms": 313.8}  # fmt: skip
    text = render_markdown(
        [("l.json", run(check("sse-no-leak"), kind="loadtest", figures=figures))]
    )

    assert (
        "Key figures: p50 0.463 s · p90 0.947 s · p98 1.48 s · completed 4.4 orders/s"
        " · CPU per order 314 ms"
    ) in text
    assert "Key figures" not in render_markdown([("c.json", run(check("a"), figures=figures))])


def test_long_evidence_is_cut_to_stay_under_the_limit() -> None:
    line = "x" * 250
    checks = [check(f"c{n}", False, evidence=[line] * 5) for n in range(300)]
    text = render_markdown([("big.json", run(*checks))])

    assert len(text) <= MAX_CHARS
    assert text.startswith("## critter-sandbox: FAILED (300 checks: 300 invariant)")
    assert "Evidence left out here" in text
    assert all(f"| c{n} |" in text for n in range(300))  # every table row is kept
    assert text.count("x" * 250) < 5 * 300


def test_too_many_runs_are_cut_with_a_note() -> None:
    runs = [(f"r{n}.json", run(*[check(f"c{i}") for i in range(20)])) for n in range(100)]
    text = render_markdown(runs)

    assert len(text) <= MAX_CHARS
    assert text.startswith("## critter-sandbox: PASSED")
    assert text.rstrip().endswith("see the JSON result files._")


def test_the_real_results_render() -> None:
    runs = [(p.name, read_result(p)) for p in sorted(RUNS_DIR.glob("*.json"))
            if p.name != "bench-infra.json"]  # fmt: skip
    assert runs, f"no run results in {RUNS_DIR}"
    text = render_markdown(runs)

    failed = sum(not c.passed for _, result in runs for c in result.checks)
    assert text.splitlines()[0].startswith(f"## critter-sandbox: FAILED ({failed} checks")
    assert len(table_rows(text)) == sum(len(result.checks) + 1 for _, result in runs)
    assert "| ❌ | error-rate | sla | **FAIL** | 80.80 % | 1 % |" in text
    assert all(f"`{name}`" in text for name, _ in runs)
