"""Rich rendering of sandbox state: tables, the live start-up view and error lines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.live import Live
from rich.table import Table

from sandbox.backends.process import ComponentStatus
from sandbox.doctor import Check

STATE_STYLE = {"ready": "green", "not ready": "yellow", "stopped": "dim", "fatal": "red"}


def status_table(components: list[ComponentStatus]) -> Table:
    table = Table(title=None, header_style="bold")
    for column in ("component", "pid", "port", "URL", "state"):
        table.add_column(column)
    for item in components:
        style = STATE_STYLE.get(item.state, "yellow")
        state = f"[{style}]{item.state}[/]" + (f" ({item.detail})" if item.detail else "")
        table.add_row(item.name, str(item.pid or "-"), str(item.port), item.url, state)
    return table


def doctor_table(checks: list[Check]) -> Table:
    table = Table(header_style="bold")
    for column in ("prerequisite", "status", "detail", "fix"):
        table.add_column(column)
    for check in checks:
        status = "[green]found[/]" if check.ok else "[red]missing[/]"
        table.add_row(check.name, status, check.detail, check.fix)
    return table


class StartupView:
    """A live table of components and their start-up state, fed by the reporter callback."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._states: dict[str, str] = {}
        self._began = time.monotonic()
        self._live: Live | None = None

    def report(self, component: str, state: str) -> None:
        self._states[component] = state
        if self._live is not None:
            self._live.update(self._render())

    def _render(self) -> Table:
        table = Table(
            header_style="bold", title=f"starting ({time.monotonic() - self._began:.1f} s)"
        )
        table.add_column("component")
        table.add_column("state")
        for name, state in self._states.items():
            style = "green" if state == "ready" else "yellow"
            table.add_row(name, f"[{style}]{state}[/]")
        return table

    @contextmanager
    def shown(self) -> Iterator[StartupView]:
        with Live(
            self._render(), console=self._console, transient=True, refresh_per_second=8
        ) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None
