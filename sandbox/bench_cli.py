"""`sandbox bench infra`: measure the bare-client unit costs on this machine against the
running sandbox (its own RabbitMQ and PostgreSQL, not through Toxiproxy) and write them to
``STATE/runs/<stamp>-bench-infra.json``, where the load test finds the newest.

Mounted on the main CLI as ``app.add_typer(bench_app, name="bench")``; ``main`` runs it on
its own (``python -m sandbox.bench_cli infra``) with the same one-line errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.exceptions import TyperException

from sandbox.backends.process import ProcessBackend
from sandbox.bench.result import UnitResult
from sandbox.bench.runner import MIN_SECONDS, UNITS, plan, run_bench
from sandbox.cli_options import StateDirOption
from sandbox.errors import NotReady, SandboxError
from sandbox.state import resolve_state_dir

bench_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Measure what the bare plumbing costs on this machine (the bare-client ceiling).",
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def units_table(results: list[UnitResult]) -> Table:
    table = Table(header_style="bold", title="bare-client unit costs")
    for column in ("unit", "count", "seconds", "ms CPU per unit", "per second", "CPU ms by part"):
        table.add_column(column)
    for result in results:
        parts = ", ".join(f"{part} {ms:.0f}" for part, ms in sorted(result.cpu_ms.items()))
        table.add_row(
            result.name, str(result.count), f"{result.seconds:.2f}",
            f"{result.ms_per_unit:.3f}", f"{result.per_s:.0f}", parts,
        )  # fmt: skip
    return table


@bench_app.callback()
def bench() -> None:
    """Measure what the bare plumbing costs on this machine (the bare-client ceiling)."""


@bench_app.command()
def infra(
    state_dir: StateDirOption = None,
    seconds: Annotated[
        float, typer.Option("--seconds", min=MIN_SECONDS, help="Seconds of work per unit")
    ] = 5.0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the result file [default: STATE/runs]")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=f"Measure only this unit (repeatable): {', '.join(UNITS)}"),
    ] = None,
) -> None:
    """CPU per message, transaction, HTTP request and SSE event, all processes counted."""
    bench = plan(only, seconds)  # before touching the sandbox: a typo costs nothing
    backend = ProcessBackend(resolve_state_dir(state_dir))
    backend.runtime()  # NotRunning now, before announcing a measurement
    err_console.print(f"measuring {', '.join(bench.units)} for about {seconds:g} s each")
    results, path = run_bench(backend, bench, out)
    console.print(units_table(results))
    console.print(f"result: {path}")


def main(argv: list[str] | None = None) -> int:
    """Run the bench commands alone, every expected failure as one line on stderr."""
    command = typer.main.get_command(bench_app)
    try:
        command.main(args=argv, prog_name="sandbox bench", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except TyperException as exc:  # usage errors: unknown flag, bad value
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            console.print(ctx.get_help(), markup=False, highlight=False)
            return 0
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        err_console.print(f"error: {message}", markup=False, highlight=False)
        return int(getattr(exc, "exit_code", 2))
    except SandboxError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        if isinstance(exc, NotReady):
            for line in exc.log_tail:
                err_console.print(f"  {exc.component} | {line}", markup=False, highlight=False)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
