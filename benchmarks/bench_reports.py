"""Benchmark: rendering the reports of a result, and opening the HTML in Chromium.

For a real result file (e.g. a `sandbox loadtest 1000` run) and for the same result with
its orders multiplied (to 10,000 and 100,000 points, spread over the same time span), it
measures the median of 5 renders of each report (HTML, JUnit, Markdown), the file sizes,
and the time headless Chromium takes from navigation to the load event (median of 5).

    .venv/bin/python benchmarks/bench_reports.py RESULT.json
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import sync_playwright

from reports.html_report import render_html
from reports.junit_report import render_junit
from reports.markdown_report import render_markdown
from reports.model import OrderPoint, RunResult, read_result

REPEATS = 5


def multiplied(result: RunResult, factor: int) -> RunResult:
    """The result with each order repeated ``factor`` times, nudged apart in time."""
    orders = [
        OrderPoint(at_s=o.at_s + copy * 0.001, latency_s=o.latency_s, outcome=o.outcome)
        for o in result.orders
        for copy in range(factor)
    ]
    return result.model_copy(update={"orders": sorted(orders, key=lambda o: o.at_s)})


def median_ms(render: Callable[[], str]) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        size = len(render().encode())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


def browser_load_ms(html: Path) -> float:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            page = browser.new_page()
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                page.goto(html.as_uri(), wait_until="load")
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("result", type=Path)
    args = parser.parse_args()
    base = read_result(args.result)
    print(f"{args.result.name}: {len(base.orders)} orders, {len(base.checks)} checks")
    print("| orders | HTML ms | HTML KB | JUnit ms | Markdown ms | Chromium load ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for factor in (1, 10, 100):
        result = multiplied(base, factor) if factor > 1 else base
        runs = [(args.result.name, result)]
        html_ms, html_bytes = median_ms(lambda runs=runs: render_html(runs))
        junit_ms, _ = median_ms(lambda runs=runs: render_junit(runs))
        markdown_ms, _ = median_ms(lambda runs=runs: render_markdown(runs))
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "report.html"
            page.write_text(render_html(runs), encoding="utf-8")
            load_ms = browser_load_ms(page)
        print(
            f"| {len(result.orders):,} | {html_ms:.0f} | {html_bytes / 1024:.0f} | "
            f"{junit_ms:.1f} | {markdown_ms:.1f} | {load_ms:.0f} |"
        )


if __name__ == "__main__":
    main()
