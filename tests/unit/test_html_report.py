"""The self-contained HTML report (reports/html_report.py): verdict banner, every check, the
four charts or their empty states, durability, faults, figures, and escaping of everything.

``synthetic_run`` is shared with the browser test (tests/system/test_report_browser.py)."""

from __future__ import annotations

import random
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports.html_report import render_html
from reports.model import Check, FaultRecord, OrderPoint, RunResult, WorkloadStats, read_result
from reports.sla import Sla, evaluate

RUNS = Path(__file__).resolve().parents[2] / "docs" / "runs"
RECORDED = sorted(p for p in RUNS.glob("*.json") if p.name != "bench-infra.json")
FAULT = (40.0, 55.0)  # when the synthetic run's broker is down
HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)'


def synthetic_run(orders: int = 2000, *, duration_s: float = 120.0, seed: int = 7) -> RunResult:
    """A chaos run whose broker is down from 40 s to 55 s: orders sent meanwhile wait for it
    or fail; the error-rate SLA and one invariant (duplicated effects) fail."""
    rng = random.Random(seed)
    points = []
    for n in range(orders):
        at = duration_s * n / orders
        latency: float | None = rng.lognormvariate(-0.3, 0.5)
        if FAULT[0] <= at < FAULT[1]:
            latency = None if rng.random() < 0.2 else FAULT[1] - at + rng.uniform(0.5, 2.0)
        points.append(OrderPoint(at_s=round(at, 3), latency_s=latency,
                                 outcome="ok" if latency is not None else "timeout"))  # fmt: skip
    latencies = [p.latency_s for p in points if p.latency_s is not None]
    sla = Sla("Confirmed", ((90.0, 5.0), (98.0, 10.0)), None, 0.01, None, "sla.toml")
    checks = evaluate(sla, latencies, orders - len(latencies))
    checks += [
        Check(name="orders-not-lost", passed=True, summary="0 of 1990 lost",
              figures={"acknowledged": 1990, "lost": 0, "unacknowledged": 10}),
        Check(name="no-duplicate-effects", passed=False, summary="2 orders applied twice",
              figures={"duplicated": 2},
              evidence=["o-17: 2 payments", "o-42: status Confirmed recorded 2 times"]),
        Check(name="dead-letters-explained", passed=True, summary="1 dead-lettered, explained",
              figures={"dead_lettered": 1, "unexplained": 0},
              evidence=["orders.dlq: PaymentFailed (payments.failed): card declined"]),
        Check(name="faults-happened", kind="validity", passed=True, summary="1 of 1 faults"),
    ]  # fmt: skip
    return RunResult(
        scenario="broker-kill", description="Kill RabbitMQ mid-checkout.", seed=seed,
        started_at="2026-03-01T12:00:00+00:00", finished_at="2026-03-01T12:02:10+00:00",
        workload=WorkloadStats(customers=40, planned=orders, attempted=orders,
                               acknowledged=1990, rejected=0, failed=10, skipped=0,
                               duration_s=duration_s),
        timeline=[FaultRecord(label="kill rabbitmq", kind="process", planned_at_s=FAULT[0],
                              planned_duration_s=0.0, started_at_s=FAULT[0],
                              ended_at_s=FAULT[1], evidence="pid 18 -> 21", happened=True)],
        checks=checks, figures={"latency_p90": 1.2, "completed_orders_per_s": 16.4},
        order_latency="checkout sent -> order Confirmed", orders=points,
        environment={"python": "3.11.7", "cpu_count": 2}, sandbox={"port_base": 30400},
        arguments={"rate": "16"},
    )  # fmt: skip


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(document: str) -> _Elements:
    parser = _Elements()
    parser.feed(document)
    parser.close()
    return parser


def banner(document: str) -> tuple[str, str]:
    found = re.search(r'<div class="banner (pass|fail)" id="verdict">(.*?)</div>', document)
    assert found is not None, "no verdict banner"
    return found.group(1), found.group(2)


def charts(document: str) -> list[tuple[str, str]]:
    """(data-chart, class) of every chart, in document order."""
    return [
        (name, css)
        for css, name in re.findall(r'<svg class="([^"]*)" data-chart="(\w+)"', document)
    ]


def svg_of(document: str, chart: str) -> str:
    found = re.search(rf'<svg class="[^"]*" data-chart="{chart}".*?</svg>', document)
    assert found is not None, f"no {chart} chart"
    return found.group(0)


def recorded(*names: str) -> list[tuple[str, RunResult]]:
    return [(f"{name}.json", read_result(RUNS / f"{name}.json")) for name in names]


# --- verdict and checks -------------------------------------------------------------------


def test_the_banner_passes_only_when_every_run_passed() -> None:
    passing = recorded("chaos-2000-broker-kill", "load-1000-half-capacity")
    assert all(result.passed for _, result in passing)
    checks = sum(len(result.checks) for _, result in passing)
    assert banner(render_html(passing)) == ("pass", f"PASSED: all {checks} checks of 2 runs passed")
    runs = [*passing, *recorded("load-1000-burst")]
    verdict, text = banner(render_html(runs))
    assert verdict == "fail"
    assert text == "FAILED: 3 failed checks (3 sla) in 1 of 3 runs"


def test_the_banner_counts_failed_checks_by_kind() -> None:
    verdict, text = banner(render_html([("run.json", synthetic_run())]))
    assert verdict == "fail"
    failed = [c for c in synthetic_run().checks if not c.passed]
    sla = sum(c.kind == "sla" for c in failed)
    assert sla >= 1
    assert text == f"FAILED: {len(failed)} failed checks (1 invariant, {sla} sla) in 1 of 1 run"


def test_a_run_without_checks_or_no_run_at_all_fails() -> None:
    empty = synthetic_run(orders=10).model_copy(update={"checks": []})
    assert banner(render_html([("e.json", empty)])) == (
        "fail", "FAILED: 0 failed checks; 1 run without any check"
    )  # fmt: skip
    assert banner(render_html([])) == ("fail", "FAILED: 0 failed checks; no run to judge")


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_every_check_of_a_recorded_run_has_a_row_with_its_verdict(path: Path) -> None:
    result = read_result(path)
    document = render_html([(path.name, result)])
    rows = re.findall(r'<tr class="(pass|fail)" data-check="([^"]*)"', document)
    assert rows == [("pass" if c.passed else "fail", c.name) for c in result.checks]
    for check in result.checks:
        assert escape(check.summary) in document


def test_measured_values_and_thresholds_are_shown_with_units() -> None:
    document = render_html(recorded("load-100-capacity"))
    row = re.search(r'<tr class="fail" data-check="latency-p90">.*?</tr>', document)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
    assert cells[:3] == ["latency-p90", "sla", '<span class="verdict fail">FAILED</span>']
    assert cells[3] == "5 s"
    assert re.fullmatch(r"9\.7\d* s", cells[4])
    error_row = re.search(r'data-check="error-rate">.*?</tr>', document)
    assert error_row is not None
    assert "1 %" in error_row.group(0)


def test_evidence_lists_are_bounded() -> None:
    many = Check(name="stock-conserved", passed=False, summary="40 discrepancies",
                 evidence=[f"sku-{n}: off by one" for n in range(40)])  # fmt: skip
    run = synthetic_run(orders=10).model_copy(update={"checks": [many]})
    document = render_html([("r.json", run)])
    assert "sku-9: off by one" in document
    assert "sku-10: off by one" not in document
    assert "... and 30 more not shown here" in document


# --- escaping and self-containment ------------------------------------------------------------


def test_hostile_text_from_a_result_is_escaped_everywhere() -> None:
    run = synthetic_run(orders=50)
    hostile_check = Check(name=HOSTILE, passed=False, summary=HOSTILE, evidence=[HOSTILE],
                          figures={HOSTILE: HOSTILE, "value": HOSTILE, "unit": "s",
                                   "threshold": 1.0})  # fmt: skip
    fault = run.timeline[0].model_copy(update={"label": HOSTILE, "evidence": HOSTILE})
    run = run.model_copy(
        update={"scenario": HOSTILE, "description": HOSTILE, "order_latency": HOSTILE,
                "checks": [*run.checks, hostile_check], "timeline": [fault],
                "figures": {HOSTILE: HOSTILE}, "environment": {HOSTILE: HOSTILE},
                "sandbox": {"defects": HOSTILE}, "arguments": {HOSTILE: HOSTILE}}
    )  # fmt: skip
    document = render_html([(HOSTILE, run)], title=HOSTILE)
    assert "<script" not in document.lower()
    assert "&lt;script&gt;" in document
    parsed = parse(document)
    assert all(tag != "script" for tag, _ in parsed.elements)
    assert all("onmouseover" not in attrs for _, attrs in parsed.elements)
    assert sum(HOSTILE in text for text in parsed.text) >= 15


def test_the_document_loads_nothing_from_elsewhere() -> None:
    document = render_html([("run.json", synthetic_run())])
    parsed = parse(document)
    links = [attrs.get(a) or "" for _, attrs in parsed.elements for a in ("src", "href")]
    assert all(link.startswith(("#", "data:")) for link in links if link)
    assert not re.search(r"https?:|url\(|@import", document)
    assert document.startswith("<!DOCTYPE html>")


# --- charts -------------------------------------------------------------------------------------


def test_each_run_has_the_four_charts_with_data_sla_lines_and_fault_bands() -> None:
    document = render_html([("a.json", synthetic_run()), ("b.json", synthetic_run(seed=8))])
    names = ["latency", "throughput", "distribution", "errors"]
    assert charts(document) == [(name, "chart") for name in names] * 2
    for name in names:
        svg = svg_of(document, name)
        assert re.match(r'<svg [^>]*role="img" aria-label="[^"]+"[^>]*><title>[^<]+</title>', svg)
        assert re.search(r'class="series[^"]*" d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){5,}', svg)
    assert svg_of(document, "latency").count('class="threshold"') == 2  # p90 and p98
    assert "p90 SLA 5 s</text>" in svg_of(document, "latency")
    assert "error-rate SLA 1 %" in svg_of(document, "errors")
    assert svg_of(document, "distribution").count('class="series bar"') >= 20
    assert svg_of(document, "distribution").count('class="threshold"') == 2
    for name in ("latency", "throughput", "errors"):
        assert svg_of(document, name).count('class="fault-band"') == 1
    assert 'class="fault-band"' not in svg_of(document, "distribution")


def test_the_cdf_caption_says_how_many_orders_never_completed() -> None:
    run = synthetic_run()
    failed = sum(o.latency_s is None for o in run.orders)
    assert failed > 0
    document = render_html([("r.json", run)])
    assert f"{failed} of 2000 orders failed; the CDF ends at" in document


def test_a_result_without_order_points_shows_a_note_instead_of_charts() -> None:
    document = render_html(recorded("chaos-2000-broker-kill"))
    assert charts(document) == []
    assert "No charts: this result has no per-order points (schema version 1)" in document


def test_charts_with_nothing_to_draw_say_so() -> None:
    failing = [OrderPoint(at_s=n, latency_s=None, outcome="http") for n in range(5)]
    document = render_html([("r.json", synthetic_run().model_copy(update={"orders": failing}))])
    assert charts(document) == [("latency", "chart empty"), ("throughput", "chart"),
                                ("distribution", "chart empty"), ("errors", "chart")]  # fmt: skip
    assert "no order completed" in svg_of(document, "latency")
    assert "none of 5 orders completed" in svg_of(document, "distribution")


def test_a_10000_order_report_is_small_and_its_time_charts_aggregated() -> None:
    document = render_html([("big.json", synthetic_run(orders=10_000, duration_s=600.0))])
    assert len(document.encode()) < 2_000_000
    for name in ("latency", "throughput", "errors"):
        for path in re.findall(r'<path class="series[^"]*" d="([^"]*)"', svg_of(document, name)):
            assert len(re.findall(r"[ML]", path)) <= 60


# --- chaos tables, figures and environment --------------------------------------------------------


def test_chaos_runs_get_a_durability_table_from_their_checks() -> None:
    document = render_html(recorded("chaos-2000-broker-kill"))
    table = re.search(r'<table class="durability">.*?</table>', document)
    assert table is not None
    assert "lost: 0, acknowledged: 1,988, unacknowledged: 12" in table.group(0)
    assert "leaked: 0, streams: 40, events: 17,750" in table.group(0)
    assert "dead_lettered: 0, unexplained: 0" in table.group(0)
    synthetic = render_html([("s.json", synthetic_run())])
    table = re.search(r'<table class="durability">.*?</table>', synthetic)
    assert table is not None
    assert "card declined" in table.group(0)  # what the dead-letter queue held
    assert "<td>stock-conserved</td><td>-</td><td>not checked in this run</td>" in table.group(0)
    assert "lost: 0, acknowledged: 1,990, unacknowledged: 10, unacknowledged_completed: -" in (
        table.group(0)
    )
    assert 'class="durability"' not in render_html(recorded("load-1000-burst"))


def test_the_fault_timeline_figures_and_environment_are_listed() -> None:
    document = render_html(recorded("chaos-2000-broker-kill"))
    timeline = re.search(r'<table class="timeline">.*?</table>', document)
    assert timeline is not None
    for cell in ("kill rabbitmq", "at 3 s for 0 s", "3.033 s", "16.541 s", "yes", "ready again"):
        assert cell in timeline.group(0)
    load = read_result(RUNS / "load-1000-burst.json")
    document = render_html([("load.json", load)])
    assert f"<summary>All {len(load.figures)} figures</summary>" in document
    assert all(f"<th>{escape(name)}</th>" in document for name in load.figures)
    assert "No fault was injected." in document
    environment = render_html([("s.json", synthetic_run())])
    assert "<th>cpu_count</th><td>2</td>" in environment
    assert "<th>rate</th><td>16</td>" in environment
