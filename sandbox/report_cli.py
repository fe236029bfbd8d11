"""`sandbox report` and `sandbox gate`: the files a team reads after a run, and CI's verdict.

Both read result files only (never a running sandbox), so they work on a CI runner that
merely downloaded the results. Every bad input (unreadable result, unknown schema version,
bad SLA or baseline) is a ConfigError: one line, exit 2, the gate's "bad input" code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from reports.compare import CompareError, compare, render_comparison_markdown
from reports.gate import REGRESSION_CHECK, GateExit, GateVerdict, judge
from reports.html_report import render_html
from reports.junit_report import render_junit
from reports.markdown_report import render_markdown
from reports.model import ResultError, RunResult, read_result
from reports.rejudge import with_sla
from reports.sla import SlaError, load_sla
from sandbox.errors import ConfigError

Run = tuple[str, RunResult]
REPORT_SUFFIXES = (".html", ".junit.xml", ".md")
_EXIT_MEANINGS = {
    GateExit.SLA_BREACHED: "an SLA was breached",
    GateExit.INVARIANT_VIOLATED: "an invariant was violated",
    GateExit.RUN_INVALID: "a run is invalid and proves nothing",
    GateExit.REGRESSED: "a regression against the baseline",
}


def read_runs(paths: Sequence[Path]) -> list[Run]:
    try:
        return [(path.name, read_result(path)) for path in paths]
    except ResultError as exc:
        raise ConfigError(str(exc)) from None


def write_reports(runs: Sequence[Run], folder: Path, stem: str) -> list[Path]:
    """The HTML, JUnit and Markdown reports of ``runs`` as ``folder/stem.*``."""
    folder.mkdir(parents=True, exist_ok=True)
    rendered = (render_html(runs), render_junit(runs), render_markdown(runs))
    written = []
    for suffix, text in zip(REPORT_SUFFIXES, rendered, strict=True):
        path = folder / f"{stem}{suffix}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def write_beside(result: RunResult, result_path: Path) -> list[Path]:
    """A run's reports next to its result file, named after it."""
    return write_reports([(result_path.name, result)], result_path.parent, result_path.stem)


def print_written(console: Console, paths: Sequence[Path]) -> None:
    console.print("reports: " + ", ".join(str(path) for path in paths), soft_wrap=True)


def report(console: Console, paths: list[Path], out: Path | None) -> list[Path]:
    """One set of reports over every given result: named after it when there is one."""
    runs = read_runs(paths)
    folder = out or paths[0].parent
    stem = paths[0].stem if len(paths) == 1 else "report"
    written = write_reports(runs, folder, stem)
    print_written(console, written)
    return written


def compare_files(
    console: Console, paths: list[Path], out: Path | None, tolerance_pct: float
) -> bool:
    """Print and write BASELINE vs CURRENT; True when nothing regressed."""
    if len(paths) != 2:
        raise ConfigError(f"--compare takes BASELINE CURRENT: 2 result files, got {len(paths)}")
    (base_name, baseline), (current_name, current) = read_runs(paths)
    try:
        comparison = compare(baseline, current, tolerance_pct=tolerance_pct)
    except CompareError as exc:
        raise ConfigError(str(exc)) from None
    table = Table(header_style="bold")
    for column in ("metric", "baseline", "current", "change", ""):
        table.add_column(column)
    for row in comparison.rows:
        change = "-" if row.delta_pct is None else f"{row.delta_pct:+.1f} %"
        flag = "[red]REGRESSION[/]" if row.regression else ""
        table.add_row(row.metric, _number(row.baseline), _number(row.current), change, flag)
    console.print(table)
    folder = out or paths[1].parent
    folder.mkdir(parents=True, exist_ok=True)
    written = folder / f"compare-{paths[0].stem}-vs-{paths[1].stem}.md"
    markdown = render_comparison_markdown(comparison, base_name, current_name)
    written.write_text(markdown, encoding="utf-8")
    regressions = len(comparison.regressions)
    verdict = "[red]regressed[/]" if regressions else "[green]no regression[/]"
    console.print(f"{verdict}: {regressions} beyond {tolerance_pct:g} %; written: {written}")
    return not regressions


def run_gate(
    console: Console,
    paths: list[Path],
    sla_path: Path | None,
    baseline_path: Path | None,
    tolerance_pct: float,
) -> GateExit:
    runs = read_runs(paths)
    if sla_path is not None:
        runs = _with_sla(runs, sla_path)
    if baseline_path is not None:
        runs = _against_baseline(runs, baseline_path, tolerance_pct)
    verdict = judge(runs)
    console.print(gate_table(verdict))
    code, failed = verdict.exit, verdict.failed_checks
    total = len(verdict.rows)
    if code is GateExit.PASSED:
        console.print(f"[green]gate passed[/]: {total} checks in {len(runs)} runs")
    else:
        meaning = _EXIT_MEANINGS.get(code, "")
        empty = f", {verdict.empty_runs} runs checked nothing" if verdict.empty_runs else ""
        console.print(
            f"[red]gate failed[/] (exit {int(code)}: {meaning}): "
            f"{len(failed)} of {total} checks failed{empty}"
        )
    return code


def gate_table(verdict: GateVerdict) -> Table:
    table = Table(header_style="bold")
    for column in ("run", "check", "kind", "verdict", "summary"):
        table.add_column(column)
    for row in verdict.rows:
        mark = "[green]pass[/]" if row.check.passed else "[red]FAIL[/]"
        table.add_row(row.scenario, row.check.name, row.check.kind, mark, row.check.summary)
    return table


def _with_sla(runs: list[Run], sla_path: Path) -> list[Run]:
    try:
        sla = load_sla(sla_path)
        return [(name, with_sla(result, sla, name)) for name, result in runs]
    except (SlaError, ResultError) as exc:
        raise ConfigError(str(exc)) from None


def _against_baseline(runs: list[Run], baseline_path: Path, tolerance_pct: float) -> list[Run]:
    [(base_name, baseline)] = read_runs([baseline_path])
    compared = []
    for name, result in runs:
        if result.kind != baseline.kind:
            compared.append((name, result))
            continue
        try:
            check = compare(baseline, result, tolerance_pct=tolerance_pct).as_check()
        except CompareError as exc:
            raise ConfigError(f"{name} against {base_name}: {exc}") from None
        kept = [c for c in result.checks if c.name != REGRESSION_CHECK]
        compared.append((name, result.model_copy(update={"checks": [*kept, check]})))
    if all(result.kind != baseline.kind for _, result in runs):
        raise ConfigError(f"--baseline {base_name} is a {baseline.kind} run; no result is one")
    return compared


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
