"""Run results as Markdown: a CI job summary ($GITHUB_STEP_SUMMARY) or a pull-request comment.

The first line is the verdict, so a notification or a collapsed comment already says it.
GitHub refuses comments over 65,536 characters; evidence is the only part that can grow
without bound, so it is what gets cut (with a note) to keep the whole under ``MAX_CHARS``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reports.check_kinds import CHECK_KINDS
from reports.figures_format import format_duration, format_quantity, measured_against_limit
from reports.junit_report import xml_safe
from reports.model import Check, RunResult
from reports.snapshot_table import SnapshotTable, snapshot_table

MAX_CHARS = 65_000
EVIDENCE_LINES = 5  # per failed check
_EVIDENCE_LINE_CHARS = 300
_MARKDOWN_SPECIAL = re.compile(r"([\\|`*_<\[\]])")
_KEY_FIGURES = (
    ("p50", "latency_p50", "s"),
    ("p90", "latency_p90", "s"),
    ("p98", "latency_p98", "s"),
    ("completed", "completed_orders_per_s", "1/s"),
    ("offered", "offered_orders_per_s", "1/s"),
    ("CPU per order", "cpu_per_completed_order_ms", "ms"),
)


@dataclass(frozen=True)
class _Part:
    text: str
    evidence: bool = False  # may be left out when the whole would be too long


def render_markdown(runs: Sequence[tuple[str, RunResult]]) -> str:
    """The verdict heading, then each run: its facts, a table of checks, failed evidence."""
    parts = [_Part(verdict_heading([run for _, run in runs]))]
    for file_name, run in runs:
        parts += _run_parts(file_name, run)
    return _fit(parts)


def verdict_heading(runs: Sequence[RunResult]) -> str:
    """The first line: PASSED, or FAILED with the failed checks counted by kind."""
    if not runs:
        return "## critter-sandbox: FAILED (no result to judge)"
    failed = Counter(check.kind for run in runs for check in run.checks if not check.passed)
    reasons = [f"{failed[kind]} {kind}" for kind in CHECK_KINDS if failed[kind]]
    why = []
    if failed:
        total = sum(failed.values())
        why.append(f"{total} check{'s' if total != 1 else ''}: {', '.join(reasons)}")
    if empty := sum(1 for run in runs if not run.checks):
        why.append(f"{empty} run{'s' if empty != 1 else ''} without checks")
    if not why:
        return "## critter-sandbox: PASSED"
    return f"## critter-sandbox: FAILED ({'; '.join(why)})"


def table_cell(text: str) -> str:
    """``text`` as one line of plain Markdown, pipes and markup escaped: safe in a table cell."""
    one_line = " ".join(xml_safe(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


def inline_code(text: str) -> str:
    """``text`` as one inline code span; its fence outgrows any backticks inside."""
    one_line = " ".join(xml_safe(text).split())
    fence = "`" * (max((len(run) for run in re.findall("`+", one_line)), default=0) + 1)
    padding = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{fence}{padding}{one_line}{padding}{fence}"


def code_block(lines: Sequence[str]) -> str:
    """A fenced block whose fence is longer than any run of backticks inside it."""
    body = "\n".join(xml_safe(line) for line in lines)
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def _run_parts(file_name: str, run: RunResult) -> list[_Part]:
    verdict = "PASSED" if run.passed else "FAILED"
    failed = [check for check in run.checks if not check.passed]
    facts = [
        inline_code(file_name),
        f"seed {run.seed}",
        f"duration {format_duration(run.duration_s or 0.0)}",
        f"{len(run.checks)} checks, {len(failed)} failed",
    ]
    mark = "✅" if run.passed else "❌"
    lines = [f"### {mark} {run.kind}: {table_cell(run.scenario)}: {verdict}"]
    lines += ["", " · ".join(facts)]
    if run.description:
        lines += ["", f"> {table_cell(run.description)}"]
    if run.arguments:
        arguments = ", ".join(f"{key}={value}" for key, value in run.arguments.items())
        lines += ["", f"Arguments: {table_cell(arguments)}"]
    if key_figures := _key_figures(run):
        lines += ["", f"Key figures: {key_figures}"]
    if run.timeline:
        lines += ["", "Faults: " + "; ".join(_fault_summary(run))]
    lines += ["", *_check_table(run.checks)]
    if table := snapshot_table(run.snapshots):
        lines += ["", "Live figures before, during and after:", "", *_snapshot_rows(table)]
    parts = [_Part("\n".join(lines))]
    if with_evidence := [check for check in failed if check.evidence]:
        parts.append(_Part("**Evidence of the failed checks**"))
        parts += [_Part(_evidence(check), evidence=True) for check in with_evidence]
    return parts


def _check_table(checks: Sequence[Check]) -> list[str]:
    if not checks:
        return ["No check was recorded: this run proves nothing."]
    rows = [
        "| | Check | Kind | Result | Measured | Threshold | Summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for check in checks:
        measured, threshold = measured_against_limit(check) or ("", "")
        cells = [
            "✅" if check.passed else "❌",
            table_cell(check.name),
            check.kind,
            "pass" if check.passed else "**FAIL**",
            table_cell(measured),
            table_cell(threshold),
            table_cell(check.summary),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _snapshot_rows(table: SnapshotTable) -> list[str]:
    rows = [table.header, ["---"] * len(table.header), *table.rows]
    return ["| " + " | ".join(table_cell(cell) for cell in row) + " |" for row in rows]


def _evidence(check: Check) -> str:
    title = f"- **{table_cell(check.name)}** ({check.kind}): {table_cell(check.summary)}"
    shown = [_shorten(line) for line in check.evidence[:EVIDENCE_LINES]]
    if (more := len(check.evidence) - len(shown)) > 0:
        shown.append(f"... and {more} more in the result file")
    indented = "\n".join("  " + line for line in code_block(shown).splitlines())
    return f"{title}\n\n{indented}"


def _key_figures(run: RunResult) -> str:
    if run.kind != "loadtest":
        return ""
    shown = [
        f"{label} {format_quantity(run.figures[key], unit)}"
        for label, key, unit in _KEY_FIGURES
        if key in run.figures
    ]
    return table_cell(" · ".join(shown))


def _fault_summary(run: RunResult) -> list[str]:
    summary = []
    for fault in run.timeline:
        when = "never started" if fault.started_at_s is None else f"at {fault.started_at_s:.1f} s"
        happened = "" if fault.happened else " (did not happen)"
        summary.append(table_cell(f"{fault.label} {when}{happened}"))
    return summary


def _shorten(line: str) -> str:
    return line if len(line) <= _EVIDENCE_LINE_CHARS else line[: _EVIDENCE_LINE_CHARS - 1] + "…"


def _fit(parts: Sequence[_Part]) -> str:
    """Join the parts; once evidence no longer fits, leave the rest of it out with a note."""
    separator = "\n\n"
    note = (
        f"_Evidence left out here to stay under {MAX_CHARS:,} characters;"
        " the JSON result file has all of it._"
    )
    fixed = sum(len(part.text) + len(separator) for part in parts if not part.evidence)
    budget = MAX_CHARS - fixed - len(note) - len(separator)
    kept: list[str] = []
    cut = False
    for part in parts:
        if not part.evidence:
            kept.append(part.text)
            continue
        cut = cut or len(part.text) + len(separator) > budget
        if not cut:
            kept.append(part.text)
            budget -= len(part.text) + len(separator)
        elif kept[-1] != note:  # one note under each run's evidence heading
            kept.append(note)
            budget -= len(note) + len(separator)
    document = separator.join(kept) + "\n"
    if len(document) <= MAX_CHARS:
        return document
    # Too long even without evidence (hundreds of runs): cut at a line and say so.
    tail = f"\n\n_Report cut at {MAX_CHARS:,} characters; see the JSON result files._\n"
    head = document[: MAX_CHARS - len(tail)]
    return head[: head.rfind("\n")].rstrip("\n") + tail
