"""`sandbox status --watch`: the component table and the live figures, refreshed in place."""

from __future__ import annotations

import itertools
import time

import httpx
from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from chaos.live_figures import READ_TIMEOUT_S, collect
from sandbox.backends.process import ProcessBackend
from sandbox.display import status_table
from sandbox.live_metrics import live_tables, sources_of


def watch_live(
    backend: ProcessBackend, console: Console, interval_s: float, iterations: int
) -> None:
    """Refresh every ``interval_s`` until Ctrl-C, or ``iterations`` times when that is > 0."""
    runtime = backend.runtime()  # NotRunning (one line, exit 6) before anything is drawn
    sources = sources_of(runtime)
    rounds = itertools.count() if iterations == 0 else range(iterations)
    with (
        Live(console=console, auto_refresh=False) as live,
        httpx.Client(timeout=READ_TIMEOUT_S) as client,
    ):
        try:
            for round_number in rounds:
                if round_number:
                    time.sleep(interval_s)  # the refresh cadence of a view, not a wait
                view = collect(sources, client)
                notes = [Text(f"unreadable: {', '.join(view.unreadable)}", style="yellow")]
                parts = [status_table(backend.status()), *live_tables(view)]
                live.update(Group(*parts, *(notes if view.unreadable else [])), refresh=True)
        except KeyboardInterrupt:
            pass
