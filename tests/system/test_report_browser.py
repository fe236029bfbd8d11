"""The HTML report as a browser shows it: headless Chromium opens the file, nothing goes to
the console, every run's four charts are drawn with real geometry, and a full-page
screenshot is kept as a CI artifact (TEST_ARTIFACTS, default ./test-artifacts).

Needs Playwright for Python and Chromium; without them the test is skipped, except in CI
(CI=true), which installs both, so there a missing browser fails instead of hiding."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import psutil
import pytest

from reports.html_report import render_html
from reports.model import RunResult
from tests.unit.test_html_report import synthetic_run

CHARTS = ("latency", "throughput", "distribution", "errors")
CHART_GEOMETRY = """svg => {
  const series = [...svg.querySelectorAll('.series')];
  const paths = series.filter(e => e.tagName === 'path');
  const box = svg.getBoundingClientRect();
  return {
    empty: svg.classList.contains('empty'),
    width: box.width,
    height: box.height,
    commands: Math.max(0, ...paths.map(p => (p.getAttribute('d').match(/[ML]/g) || []).length)),
    length: Math.max(0, ...paths.map(p => p.getTotalLength())),
    bars: series.filter(e => e.tagName === 'rect' && e.getBBox().height > 0).length,
    bands: svg.querySelectorAll('.fault-band').length,
  };
}"""


def missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI installs it, so the report is not checked in a browser")
    pytest.skip(reason)


def chromium_children() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name().lower() or "headless" in child.name().lower():
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture
def chromium() -> str:
    """The chromium executable, once Playwright is known to be importable."""
    if importlib.util.find_spec("playwright") is None:
        missing("Playwright for Python is not installed (pip install playwright)")
    executable = shutil.which("chromium")
    if executable is None:
        missing("no chromium executable on PATH (apt-get install chromium)")
    assert executable is not None
    return executable


def assert_drawn(where: str, name: str, drawn: dict[str, Any]) -> None:
    assert not drawn["empty"], f"{where}: the {name} chart is an empty state"
    assert drawn["width"] > 300, (where, name, drawn)
    assert drawn["height"] > 100, (where, name, drawn)
    assert drawn["commands"] >= 5, (where, name, drawn)  # points of its longest line
    assert drawn["length"] > 100, (where, name, drawn)  # pixels of that line, as laid out
    assert drawn["bands"] == (0 if name == "distribution" else 1), (where, name, drawn)
    if name == "distribution":
        assert drawn["bars"] >= 10, (where, drawn)


def runs() -> list[tuple[str, RunResult]]:
    loadtest = synthetic_run(seed=8).model_copy(update={"kind": "loadtest", "scenario": "load"})
    return [("broker-kill.json", synthetic_run()), ("load.json", loadtest)]


def test_the_report_renders_cleanly_in_chromium(chromium: str, tmp_path: Path) -> None:
    from playwright.sync_api import ConsoleMessage, sync_playwright

    problems: list[str] = []  # console errors and warnings, uncaught page errors
    requests: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"{message.type}: {message.text}")

    report = tmp_path / "report.html"
    report.write_text(render_html(runs()))
    artifacts = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / "report.png"
    screenshot.unlink(missing_ok=True)
    launched: list[psutil.Process] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            launched = chromium_children()
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri(), wait_until="load")

            failed = sum(not c.passed for _, result in runs() for c in result.checks)
            assert page.locator("#verdict").inner_text().startswith(f"FAILED: {failed} failed")
            sections = page.locator("section.run")
            assert sections.count() == 2
            for index in range(sections.count()):
                for name in CHARTS:
                    svg = sections.nth(index).locator(f'svg.chart[data-chart="{name}"]')
                    assert svg.count() == 1, f"run {index + 1}: no {name} chart"
                    assert_drawn(f"run {index + 1}", name, svg.evaluate(CHART_GEOMETRY))
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert launched, "found no chromium process while the browser ran: the leak check is blind"
    _, alive = psutil.wait_procs(launched, timeout=10)
    assert not alive, f"chromium processes left behind: {[p.pid for p in alive]}"
    assert not chromium_children()
    assert problems == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000
