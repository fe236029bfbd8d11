"""One self-contained HTML page for one or more run results: the verdict first, then per run
its checks, charts, durability, fault timeline, figures and environment.

No script, no external resource (CSS and SVG are inline), so the file can be attached to a
CI job and opened anywhere, offline. Every text from a result is escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape

from reports.figures_format import format_duration, measured_against_limit
from reports.html_charts import run_charts
from reports.model import Check, Figure, RunResult
from reports.snapshot_table import SnapshotTable, snapshot_table

MAX_EVIDENCE_SHOWN = 10
_DURABILITY = (  # (what, check, the figures of that check that tell it)
    ("Orders lost", "orders-not-lost", ("lost", "acknowledged", "unacknowledged",
     "unacknowledged_completed", "unacknowledged_stuck", "unacknowledged_never_created")),
    ("Duplicated effects", "no-duplicate-effects", ("duplicated",)),
    ("Stock", "stock-conserved", ("skus", "units_committed")),
    ("Leaked SSE events", "sse-no-leak", ("leaked", "streams", "events")),
    ("Dead-letter queues", "dead-letters-explained", ("dead_lettered", "unexplained")),
)  # fmt: skip
_HEADLINE = (  # the figures worth a look before opening the full list
    *(f"latency_{p}" for p in ("p50", "p90", "p98", "p99", "max")),
    *("offered_orders_per_s", "completed_orders_per_s", "cpu_per_completed_order_ms"),
)
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a202c;
background:#fff;margin:0 auto;max-width:1100px;padding:1rem 1.5rem}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:2px solid #cbd5e0}h3{margin-top:1.6rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #e2e8f0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f7fafc}td.num{text-align:right;white-space:nowrap}
ul.evidence{margin:0;padding-left:1.1rem;font-size:.9em;word-break:break-word}
.banner{padding:1rem 1.2rem;border-radius:6px;font-size:1.3rem;font-weight:600}
.banner.pass{background:#f0fff4;border:2px solid #2f855a;color:#22543d}
.banner.fail{background:#fff5f5;border:2px solid #c53030;color:#742a2a}
.verdict{font-weight:700}.verdict.pass{color:#2f855a}.verdict.fail{color:#c53030}
tr.fail td{background:#fff5f5}dl.facts{display:grid;grid-template-columns:max-content 1fr;
gap:.2rem 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.charts{display:grid;grid-template-columns:1fr;gap:1rem}
svg.chart{max-width:100%;height:auto;border:1px solid #e2e8f0;border-radius:4px}
.note{color:#4a5568;font-style:italic}figure{margin:0 0 .5rem}
table.figures{width:auto;min-width:50%}figcaption{font-size:.9em;color:#4a5568}
@media print{body{max-width:none}.charts figure,table{break-inside:avoid}}
"""


def render_html(
    runs: Sequence[tuple[str, RunResult]], *, title: str = "critter-sandbox report"
) -> str:
    """``runs``: (result file name, result) pairs, shown in that order."""
    sections = "".join(_run_section(n, name, r) for n, (name, r) in enumerate(runs, start=1))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{_CSS}</style>'
        f"</head><body><h1>{escape(title)}</h1>{_banner(runs)}{_contents(runs)}{sections}"
        "</body></html>\n"
    )


def _banner(runs: Sequence[tuple[str, RunResult]]) -> str:
    results = [result for _, result in runs]
    if results and all(result.passed for result in results):
        checks = sum(len(result.checks) for result in results)
        text = f"PASSED: all {checks} checks of {_plural(len(results), 'run')} passed"
        return f'<div class="banner pass" id="verdict">{escape(text)}</div>'
    failed = Counter(c.kind for result in results for c in result.checks if not c.passed)
    text = f"FAILED: {_plural(sum(failed.values()), 'failed check')}"
    if failed:
        text += " (" + ", ".join(f"{n} {kind}" for kind, n in sorted(failed.items())) + ")"
        text += f" in {sum(not r.passed for r in results)} of {_plural(len(results), 'run')}"
    if empty := sum(not result.checks for result in results):
        text += f"; {_plural(empty, 'run')} without any check"
    if not results:
        text += "; no run to judge"
    return f'<div class="banner fail" id="verdict">{escape(text)}</div>'


def _contents(runs: Sequence[tuple[str, RunResult]]) -> str:
    if len(runs) < 2:
        return ""
    items = [
        f'<li><a href="#run-{n}">{escape(r.scenario)}</a> ({escape(name)}): '
        f"{_verdict(r.passed)}</li>"
        for n, (name, r) in enumerate(runs, start=1)
    ]
    return f"<ol>{''.join(items)}</ol>"


def _run_section(number: int, name: str, result: RunResult) -> str:
    parts = [
        f'<section class="run" id="run-{number}" data-run="{escape(name)}">',
        f"<h2>{escape(result.scenario)} {_verdict(result.passed)}</h2>",
        f"<p>{escape(result.description)}</p>",
        _facts(name, result),
        f"<h3>Checks</h3>{_check_table(result.checks)}",
        f"<h3>Charts</h3>{run_charts(result)}",
    ]
    if result.kind == "chaos":
        parts.append(f"<h3>Durability and isolation</h3>{_durability(result.checks)}")
    parts.append(f"<h3>Fault timeline</h3>{_timeline(result)}")
    if table := snapshot_table(result.snapshots):
        parts.append(f"<h3>Live figures before, during and after</h3>{_snapshots(table)}")
    parts.append(_key_figures(result))
    parts.append(f"<h3>Environment</h3>{_environment(result)}</section>")
    return "".join(parts)


def _facts(name: str, result: RunResult) -> str:
    facts = {
        "file": name, "kind": result.kind, "seed": str(result.seed),
        "started": result.started_at, "finished": result.finished_at,
        "duration": _duration(result), "order latency": result.order_latency or "-",
    }  # fmt: skip
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts.items())
    return f'<dl class="facts">{rows}</dl>'


def _check_table(checks: Sequence[Check]) -> str:
    if not checks:
        return '<p class="note">This run has no check: it proves nothing.</p>'
    rows = []
    for check in checks:
        measured, threshold = measured_against_limit(check) or ("-", "-")
        rows.append(
            f'<tr class="{"pass" if check.passed else "fail"}" data-check="{escape(check.name)}">'
            f"<td>{escape(check.name)}</td><td>{escape(check.kind)}</td>"
            f"<td>{_verdict(check.passed)}</td><td class='num'>{escape(threshold)}</td>"
            f"<td class='num'>{escape(measured)}</td><td>{escape(check.summary)}</td>"
            f"<td>{_evidence(check.evidence)}</td></tr>"
        )
    head = _head("check", "kind", "verdict", "threshold", "measured", "summary", "evidence")
    return f'<table class="checks">{head}{"".join(rows)}</table>'


def _durability(checks: Sequence[Check]) -> str:
    by_name = {check.name: check for check in checks}
    rows = []
    for what, name, keys in _DURABILITY:
        check = by_name.get(name)
        if check is None:
            cells = f"<td>{escape(what)}</td><td>{escape(name)}</td><td>-</td>"
            rows.append(f"<tr>{cells}<td>not checked in this run</td><td>-</td></tr>")
            continue
        shown = ", ".join(f"{key}: {_figure(check.figures.get(key))}" for key in keys)
        rows.append(
            f"<tr><td>{escape(what)}</td><td>{escape(name)}</td><td>{_verdict(check.passed)}</td>"
            f"<td>{escape(shown)}</td><td>{_evidence(check.evidence)}</td></tr>"
        )
    head = _head("what", "check", "verdict", "figures", "evidence")
    return f'<table class="durability">{head}{"".join(rows)}</table>'


def _timeline(result: RunResult) -> str:
    if not result.timeline:
        return '<p class="note">No fault was injected.</p>'
    rows = []
    for fault in result.timeline:
        planned = f"at {fault.planned_at_s:g} s for {fault.planned_duration_s:g} s"
        happened = "yes" if fault.happened else f"no {fault.error}".strip()
        cells = (fault.label, fault.kind, planned, _seconds(fault.started_at_s),
                 _seconds(fault.ended_at_s), happened, fault.evidence or "-")  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    head = _head("fault", "kind", "planned", "started", "ended", "happened", "evidence")
    return f'<table class="timeline">{head}{"".join(rows)}</table>'


def _snapshots(table: SnapshotTable) -> str:
    rows = "".join(
        f"<tr><th>{escape(row[0])}</th>"
        + "".join(f"<td class='num'>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in table.rows
    )
    return f'<table class="snapshots">{_head(*table.header)}{rows}</table>'


def _key_figures(result: RunResult) -> str:
    stats = result.workload.model_dump() if result.workload else {}
    latency_ms = stats.pop("checkout_latency_ms", {})
    stats |= {f"checkout latency {k} (ms)": v for k, v in latency_ms.items()}
    stats |= {name: result.figures[name] for name in _HEADLINE if name in result.figures}
    key = _table(stats, "no workload recorded")
    every = _table(result.figures, "no figures recorded")
    return (
        f"<h3>Key figures</h3>{key}<details><summary>All {len(result.figures)} figures"
        f"</summary>{every}</details>"
    )


def _environment(result: RunResult) -> str:
    groups = (("Machine and versions", result.environment), ("Sandbox", result.sandbox),
              ("Arguments", result.arguments))  # fmt: skip
    return "".join(f"<h4>{escape(t)}</h4>{_table(d, 'none recorded')}" for t, d in groups)


def _table(values: Mapping[str, Figure | float], empty: str) -> str:
    if not values:
        return f'<p class="note">{escape(empty)}</p>'
    rows = (
        f"<tr><th>{escape(k)}</th><td>{escape(_figure(v))}</td></tr>" for k, v in values.items()
    )
    return f'<table class="figures">{"".join(rows)}</table>'


def _evidence(items: Sequence[str]) -> str:
    if not items:
        return "-"
    shown = list(items[:MAX_EVIDENCE_SHOWN])
    if len(items) > MAX_EVIDENCE_SHOWN:
        shown.append(f"... and {len(items) - MAX_EVIDENCE_SHOWN} more not shown here")
    return '<ul class="evidence">' + "".join(f"<li>{escape(i)}</li>" for i in shown) + "</ul>"


def _head(*names: str) -> str:
    return "<tr>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"


def _verdict(passed: bool) -> str:
    word = "PASSED" if passed else "FAILED"
    return f'<span class="verdict {word[:4].lower()}">{word}</span>'


def _figure(value: Figure | float) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _duration(result: RunResult) -> str:
    seconds = result.duration_s
    return "-" if seconds is None else format_duration(seconds)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
