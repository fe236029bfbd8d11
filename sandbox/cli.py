"""The ``sandbox`` command line: a thin edge over the backends.

Every failure the user can cause or meet is a ``SandboxError`` (or a usage error), printed
as one line on stderr with a non-zero exit code and no traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.exceptions import TyperException

from reports.compare import DEFAULT_TOLERANCE_PCT
from reports.gate import GateExit
from reports.sla import DEFAULT_SLA_PATH
from sandbox import chaos_cli, loadtest_cli, report_cli
from sandbox.backends.process import ProcessBackend
from sandbox.bench_cli import bench_app
from sandbox.cli_options import NoReportOption, StateDirOption
from sandbox.demo import run_demo
from sandbox.display import StartupView, doctor_table, status_table
from sandbox.doctor import doctor_ok, install_missing, run_checks
from sandbox.errors import ConfigError, NotReady, SandboxError
from sandbox.live_view import watch_live
from sandbox.logs import follow, tail
from sandbox.monitoring import MonitoringRequest, monitoring_alerts
from sandbox.ports import DEFAULT_PORT_BASE, MAX_REPLICAS
from sandbox.state import (
    DEFAULT_RETENTION,
    DEFECTS,
    StatePaths,
    load_settings,
    resolve_state_dir,
    settings_for_up,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Local sandbox and chaos-test harness for the critter pet-supply shop.",
)
app.add_typer(bench_app, name="bench")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def _paths(state_dir: str | None) -> StatePaths:
    return resolve_state_dir(state_dir)


@app.command()
def doctor(
    state_dir: StateDirOption = None,
    install: Annotated[bool, typer.Option("--install", help="Install what is missing")] = False,
) -> None:
    """Check prerequisites (RabbitMQ, PostgreSQL, Toxiproxy, ports, disk) and how to fix them."""
    paths = _paths(state_dir)
    if install:
        for action in install_missing() or ["nothing to install"]:
            console.print(f"[green]+[/] {action}")
    backend = ProcessBackend(paths)
    settings = load_settings(paths) or settings_for_up(paths, None)
    checks = run_checks(paths, settings, backend.is_running())
    console.print(doctor_table(checks))
    if not doctor_ok(checks):
        raise typer.Exit(1)


@app.command()
def up(
    state_dir: StateDirOption = None,
    port_base: Annotated[
        int | None,
        typer.Option(
            "--port-base",
            envvar="SANDBOX_PORT_BASE",
            help=f"First of ~200 consecutive ports [default: {DEFAULT_PORT_BASE}, or as stored]",
        ),
    ] = None,
    backend_name: Annotated[
        str, typer.Option("--backend", help="process (default) or docker")
    ] = "process",
    defect: Annotated[
        list[str] | None,
        typer.Option(
            "--defect",
            help=f"Switch on a deliberate flaw (repeatable): {', '.join(DEFECTS)}",
        ),
    ] = None,
    replicas: Annotated[
        int | None,
        typer.Option(
            "--replicas",
            min=1,
            max=MAX_REPLICAS,
            help="Copies of each service (competing consumers; clients pick a replica's URL)",
        ),
    ] = None,
    monitoring: Annotated[
        bool | None,
        typer.Option(
            "--monitoring/--no-monitoring",
            help="Also run Prometheus, Alertmanager and an alert receiver [default: as running]",
        ),
    ] = None,
    retention: Annotated[
        str, typer.Option("--retention", help="With --monitoring: how long Prometheus keeps data")
    ] = DEFAULT_RETENTION,
    alert_window: Annotated[
        list[str] | None,
        typer.Option(
            "--alert-window",
            help="With --monitoring: ALERT=DURATION replaces that rule's `for:` (repeatable)",
        ),
    ] = None,
) -> None:
    """Start PostgreSQL, RabbitMQ, Toxiproxy and every service; wait until all are ready."""
    if backend_name != "process":
        raise SandboxError(f"backend {backend_name!r} is not available yet; use --backend process")
    windows = tuple(chaos_cli.parse_params(alert_window or []).items())
    if monitoring is None and (windows or retention != DEFAULT_RETENTION):
        raise ConfigError("--retention and --alert-window need --monitoring")
    request = None if monitoring is None else MonitoringRequest(monitoring, retention, windows)
    backend = ProcessBackend(_paths(state_dir))
    view = StartupView(err_console)
    with view.shown():
        result = backend.up(port_base, view.report, tuple(defect or ()), replicas, request)
    console.print(status_table(result.components))
    if defect:
        console.print(f"[red]defects switched on: {', '.join(sorted(set(defect)))}[/]")
    if result.already_running:
        console.print("already running: nothing to do")
    else:
        slowest = max(result.ready_after_s.values(), default=0.0)
        console.print(f"all {len(result.components)} components ready in {slowest:.1f} s")


@app.command()
def down(
    state_dir: StateDirOption = None,
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete the state folder and all data")
    ] = False,
) -> None:
    """Stop everything; data is kept unless --purge."""
    paths = _paths(state_dir)
    stopped = ProcessBackend(paths).down(purge)
    console.print("stopped" if stopped else "not running")
    if purge:
        console.print(f"deleted {paths.root}")


@app.command()
def status(
    state_dir: StateDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    watch: Annotated[
        bool,
        typer.Option("--watch", help="Live queue, dead-letter, outbox, saga and SSE figures"),
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.5, help="With --watch: seconds between refreshes")
    ] = 2.0,
    iterations: Annotated[
        int, typer.Option("--iterations", min=0, help="With --watch: stop after N (0: Ctrl-C)")
    ] = 0,
) -> None:
    """Show each component: pid, port, URL and readiness (and, with --watch, live figures)."""
    if watch:
        watch_live(ProcessBackend(_paths(state_dir)), console, interval, iterations)
        return
    components = ProcessBackend(_paths(state_dir)).status()
    if as_json:
        console.print_json(json.dumps([asdict(c) for c in components]))
    else:
        console.print(status_table(components))
    if not all(c.ready for c in components):
        raise typer.Exit(1)


@app.command()
def restart(
    component: Annotated[str, typer.Argument(help="A service, rabbitmq, postgres or toxiproxy")],
    state_dir: StateDirOption = None,
) -> None:
    """Restart one component and wait until it is ready again."""
    backend = ProcessBackend(_paths(state_dir))
    view = StartupView(err_console)
    with view.shown():
        result = backend.restart(component, view.report)
    console.print(status_table([result]))


@app.command()
def logs(
    component: Annotated[str | None, typer.Argument(help="Component; all when omitted")] = None,
    state_dir: StateDirOption = None,
    follow_: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines")
    ] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", help="Lines of history")] = 50,
) -> None:
    """Print (and with -f follow) the logs of one component or of all."""
    paths = _paths(state_dir)
    if not paths.logs.exists():
        raise SandboxError(f"no logs in {paths.root}; has `sandbox up` run there?")
    available = sorted(p.stem for p in paths.logs.glob("*.log"))
    if component is not None and component not in available:
        raise SandboxError(f"no log for {component!r}; available: {', '.join(available)}")
    chosen = [component] if component else available
    files = {name: paths.log_file(name) for name in chosen}
    prefix = component is None

    def emit(name: str, line: str) -> None:
        # Raw lines, never re-wrapped: logs are for grep and for copying.
        sys.stdout.write(f"{name} | {line}\n" if prefix else f"{line}\n")
        sys.stdout.flush()

    for name, path in files.items():
        for line in tail(path, lines):
            emit(name, line)
    if follow_:
        for name, line in follow(files):
            emit(name, line)


@app.command()
def demo(state_dir: StateDirOption = None) -> None:
    """Walk a running sandbox through a short demo, as a shopper and an operator would."""
    runtime = ProcessBackend(_paths(state_dir)).runtime()
    run_demo(runtime, lambda step: console.print(f"[green]*[/] {step.title}: {step.outcome}"))
    console.print("demo finished; `sandbox status` shows the system, `sandbox down` stops it")


@app.command()
def chaos(
    scenario: Annotated[str, typer.Argument(help="A scenario name (see `sandbox chaos list`)")],
    state_dir: StateDirOption = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Replay a run: same workload, same faults")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", help="NAME=VALUE for the scenario's parameter; VALUE all runs each"
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for result files [default: STATE/runs]")
    ] = None,
    orders: Annotated[
        int | None, typer.Option("--orders", min=1, help="Override the workload's order count")
    ] = None,
    customers: Annotated[
        int | None,
        typer.Option("--customers", min=1, max=2000, help="Override the customer count"),
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", min=0.1, help="Override orders per second")
    ] = None,
    no_report: NoReportOption = False,
) -> None:
    """Run a fault scenario against live traffic and check durability, isolation, recovery."""
    if scenario == "list":
        console.print(chaos_cli.scenario_catalog())
        return
    backend = ProcessBackend(_paths(state_dir))
    scenarios = chaos_cli.prepare(backend, scenario, chaos_cli.parse_params(param or []))
    scenarios = [
        chaos_cli.resized(s, orders=orders, customers=customers, rate=rate) for s in scenarios
    ]
    passed = True
    for chosen in scenarios:
        err_console.print(f"running {chosen.name} {chosen.arguments or ''}: {chosen.description}")
        try:
            result, path = chaos_cli.run_scenario(backend, chosen, seed, out)
        except KeyboardInterrupt:
            err_console.print("interrupted: every fault was rolled back")
            raise typer.Exit(130) from None
        chaos_cli.print_result(console, result, path)
        if not no_report:
            report_cli.print_written(console, report_cli.write_beside(result, path))
        passed = passed and result.passed
    if not passed:
        raise typer.Exit(1)


@app.command()
def loadtest(
    users: Annotated[int, typer.Argument(min=1, max=2000, help="Concurrent customers")],
    state_dir: StateDirOption = None,
    duration: Annotated[
        float, typer.Option("--duration", min=1, help="Seconds of load (a hard bound)")
    ] = 60.0,
    ramp: Annotated[
        bool, typer.Option("--ramp", help="The original 10/50/100/0 % shape, fit to --duration")
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="`original`: the full 14-minute ramp")
    ] = None,
    think: Annotated[float, typer.Option("--think", min=0, help="Seconds between steps")] = 1.0,
    pace: Annotated[
        float, typer.Option("--pace", min=0, help="Least seconds between a customer's orders")
    ] = 10.0,
    burst: Annotated[
        int, typer.Option("--burst", min=0, help="N customers check out at the same instant")
    ] = 0,
    workers: Annotated[
        int, typer.Option("--workers", min=0, max=64, help="Locust worker processes")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random choice")] = 1,
    first_customer: Annotated[
        int, typer.Option("--first-customer", min=1, max=2000, help="First seeded customer")
    ] = 1,
    sla: Annotated[Path, typer.Option("--sla", help="SLA file")] = DEFAULT_SLA_PATH,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for result files [default: STATE/runs]")
    ] = None,
    with_scenario: Annotated[
        str | None,
        typer.Option("--with", help="Run this chaos scenario's faults during the load"),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="NAME=VALUE for the --with scenario")
    ] = None,
    bench_file: Annotated[
        Path | None,
        typer.Option("--bench", help="`sandbox bench infra` result [default: the latest]"),
    ] = None,
    no_report: NoReportOption = False,
) -> None:
    """Drive USERS customers through checkout; judge end-to-end latency against the SLA."""
    if param and not with_scenario:
        raise ConfigError("--param needs --with SCENARIO")
    if profile not in (None, "original"):
        raise ConfigError(f"unknown profile {profile!r}; the only one is `original`")
    if profile == "original":
        ramp, duration = True, loadtest_cli.ORIGINAL_MINUTES * 60
    options = loadtest_cli.LoadOptions(
        users=users, duration_s=duration, ramp=ramp, think_s=think, pace_s=pace, burst=burst,
        workers=workers, seed=seed, first_customer=first_customer,
        completion_timeout_s=60.0, sla_path=sla, with_scenario=with_scenario,
        params=chaos_cli.parse_params(param or []), bench_path=bench_file,
    )  # fmt: skip
    backend = ProcessBackend(_paths(state_dir))
    result, path = loadtest_cli.run_loadtest(backend, options, out, err_console)
    loadtest_cli.print_summary(console, result, path)
    if not no_report:
        report_cli.print_written(console, report_cli.write_beside(result, path))
    if not result.passed:
        raise typer.Exit(1)


@app.command()
def alerts(state_dir: StateDirOption = None) -> None:
    """Alerts the sandbox's Alertmanager delivered (needs `sandbox up --monitoring`)."""
    for line in monitoring_alerts(ProcessBackend(_paths(state_dir))):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def gate(
    results: Annotated[list[Path], typer.Argument(help="Result files written by runs")],
    sla: Annotated[
        Path | None,
        typer.Option("--sla", help="Judge load tests again against this SLA file"),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Also fail on regressions against this result"),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", min=0, help="Percent worse than the baseline allowed"),
    ] = DEFAULT_TOLERANCE_PCT,
) -> None:
    """Exit 0 only when every check of every run passed; otherwise the code names the worst
    failure: 1 SLA breached, 2 bad input, 3 invariant violated, 4 run invalid, 5 regression."""
    code = report_cli.run_gate(console, results, sla, baseline, tolerance)
    if code:
        raise typer.Exit(int(code))


@app.command()
def report(
    results: Annotated[list[Path], typer.Argument(help="Result files written by runs")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the reports [default: the first result's]"),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option("--compare", help="Compare BASELINE CURRENT (two results) instead"),
    ] = False,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", min=0, help="With --compare: percent worse allowed"),
    ] = DEFAULT_TOLERANCE_PCT,
) -> None:
    """Render HTML, JUnit XML and Markdown reports from result files (or compare two)."""
    if compare:
        if not report_cli.compare_files(console, results, out, tolerance):
            raise typer.Exit(int(GateExit.REGRESSED))
        return
    report_cli.report(console, results, out)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every expected failure into one line on stderr."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="sandbox", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except TyperException as exc:  # usage errors: unknown flag, bad value, missing argument
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            console.print(ctx.get_help(), markup=False, highlight=False)
            return 0
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        err_console.print(f"error: {message}{hint}", markup=False, highlight=False)
        return int(getattr(exc, "exit_code", 2))
    except NotReady as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        for line in exc.log_tail:
            err_console.print(f"  {exc.component} | {line}", markup=False, highlight=False)
        return exc.exit_code
    except SandboxError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
