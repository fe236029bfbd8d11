"""`sandbox loadtest USERS`: drive real customers through checkout with the Locust engine
(its own process), show live figures, judge the SLA, write a result `sandbox gate` reads.

The SLA file is read before anything starts, so a typo costs nothing. CPU is measured per
component (generator, services, RabbitMQ, PostgreSQL) over the run, to state the cost of
an order and whether the system or the generator was the bottleneck.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.live import Live
from rich.table import Table

from chaos.metric_sampler import RunWatch
from reports.model import Check, FaultRecord, Figure, OrderPoint, RunResult, WorkloadStats
from reports.sla import Sla, SlaError, evaluate, latency_figures, load_sla
from sandbox import bench, load_faults, work_meter
from sandbox.backends.process import ProcessBackend
from sandbox.chaos_control import target_of
from sandbox.errors import ConfigError, SandboxError
from sandbox.load_points import completed_latencies, order_points
from sandbox.loadtest.config import LoadConfig
from sandbox.loadtest.tally import ORDER_ERROR_KINDS
from sandbox.run_environment import describe_environment

# The original plan's shape: 2 min at 10 %, 5 min at 50 %, 5 min at 100 %, 2 min winding down.
ORIGINAL_SHAPE = ((0.0, 0.1), (2.0, 0.5), (7.0, 1.0), (12.0, 0.0))
ORIGINAL_MINUTES = 14.0
GENERATOR_BOUND_SHARE = 0.8  # of one core per generator process
CAPACITY_BOUND_SHARE = 0.9  # of the machine's CPU time, or of the offered orders completed


@dataclass(frozen=True)
class LoadOptions:
    users: int
    duration_s: float
    ramp: bool
    think_s: float
    pace_s: float
    burst: int
    workers: int
    seed: int
    first_customer: int
    completion_timeout_s: float
    sla_path: Path
    with_scenario: str | None = None  # a chaos scenario whose faults run during the load
    params: dict[str, str] = field(default_factory=dict)  # that scenario's parameters
    bench_path: Path | None = None  # unit costs for the ceiling [default: the latest bench]


def ramp_steps(users: int, duration_s: float) -> list[list[float]]:
    """The original shape, squeezed into ``duration_s`` (the full shape takes 14 minutes)."""
    factor = duration_s / (ORIGINAL_MINUTES * 60)
    return [
        [round(minute * 60 * factor, 3), round(users * share)] for minute, share in ORIGINAL_SHAPE
    ]


def read_sla(path: Path) -> Sla:
    try:
        return load_sla(path)
    except SlaError as exc:
        raise ConfigError(str(exc)) from None


def build_config(options: LoadOptions, urls: list[str], sla: Sla, progress: Path) -> LoadConfig:
    config = LoadConfig(
        storefront_urls=urls,
        users=options.users,
        spawn_rate=max(1.0, options.users / 10),
        duration_s=options.duration_s,
        think_s=options.think_s,
        pace_s=options.pace_s,
        completion_status=sla.completion,
        completion_timeout_s=options.completion_timeout_s,
        seed=options.seed,
        first_customer=options.first_customer,
        burst=options.burst,
        ramp_steps=ramp_steps(options.users, options.duration_s) if options.ramp else [],
        workers=options.workers,
        progress_path=str(progress),
    )
    config.validate()
    return config


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(times)
    return total - idle, total


def cpu_by_component(backend: ProcessBackend) -> dict[str, tuple[int, float]]:
    """(pid, CPU seconds used so far by its process tree) of each component."""
    used: dict[str, tuple[int, float]] = {}
    for item in backend.status():
        if item.pid is None:
            continue
        try:
            root = psutil.Process(item.pid)
            tree = [root, *root.children(recursive=True)]
            live = sum(p.cpu_times().user + p.cpu_times().system for p in tree)
            # PostgreSQL's backends come and go with pool connections: the ones already
            # gone are in the postmaster's reaped-children times.
            reaped = root.cpu_times().children_user + root.cpu_times().children_system
            used[item.name] = (item.pid, live + reaped)
        except psutil.Error:
            continue
    return used


def cpu_used(
    before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]]
) -> dict[str, float]:
    """CPU seconds per component between two readings. A component restarted meanwhile (a
    fault) counts its new process only: the old one's last seconds are not knowable."""
    used = {}
    for name, (pid, seconds) in after.items():
        earlier = before.get(name)
        used[name] = seconds - earlier[1] if earlier and earlier[0] == pid else seconds
    return used


def live_table(progress: dict[str, Any]) -> Table:
    table = Table(header_style="bold", title=f"load: {progress.get('elapsed_s', 0):.0f} s")
    for column in ("users", "offered", "completed", "in flight", "errors", "p50", "p90", "p98"):
        table.add_column(column)
    latencies = progress.get("latencies_s") or {}
    table.add_row(
        str(progress.get("users", 0)), str(progress.get("offered", 0)),
        str(progress.get("completed", 0)), str(progress.get("in_flight", 0)),
        str(progress.get("errors", 0)),
        *(_seconds(latencies.get(key)) for key in ("p50", "p90", "p98")),
    )  # fmt: skip
    return table


def _seconds(value: object) -> str:
    return f"{float(value):.2f} s" if isinstance(value, int | float) else "-"


def run_engine(
    config: LoadConfig,
    folder: Path,
    console: Console,
    on_started: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Run the engine process with a live view; its output, or a SandboxError.
    ``on_started`` is called once, when the engine first reports progress (load begins)."""
    config_path, output_path = folder / "config.json", folder / "output.json"
    config_path.write_text(config.to_json())
    command = [sys.executable, "-m", "sandbox.loadtest.main", str(config_path), str(output_path)]
    engine = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        with Live(live_table({}), console=console, transient=True, refresh_per_second=2) as view:
            started = False
            while engine.poll() is None:
                with contextlib.suppress(OSError, ValueError):
                    view.update(
                        live_table(json.loads(Path(config.progress_path or "").read_text()))
                    )
                    if not started:
                        started = True
                        on_started()
                time.sleep(0.5)  # refresh cadence of the live view, not a wait for a condition
    finally:
        if engine.poll() is None:
            engine.terminate()
        _, stderr = engine.communicate(timeout=60)
    if engine.returncode == 2:
        raise ConfigError(stderr.strip().splitlines()[-1] if stderr.strip() else "bad load config")
    if engine.returncode != 0 or not output_path.exists():
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {engine.returncode}"
        raise SandboxError(f"the load generator failed: {last}")
    return dict(json.loads(output_path.read_text()))


def order_errors(output: dict[str, Any]) -> int:
    counts: dict[str, int] = output.get("error_counts", {})
    return sum(counts.get(kind, 0) for kind in ORDER_ERROR_KINDS)


def error_evidence(output: dict[str, Any], limit: int = 10) -> list[str]:
    """What went wrong, most frequent first: count per kind and endpoint, with an example."""
    groups: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for error in output.get("errors", []):
        key = (str(error.get("kind")), str(error.get("endpoint")))
        groups[key] += 1
        examples.setdefault(key, str(error.get("detail", ""))[:160])
    return [
        f"{count} {kind} at {endpoint}, e.g. {examples[(kind, endpoint)]}"
        for (kind, endpoint), count in groups.most_common(limit)
    ]


def judge(
    options: LoadOptions,
    sla: Sla,
    output: dict[str, Any],
    points: list[OrderPoint],
    cpu: dict[str, float],
    machine_busy_share: float,
) -> tuple[list[Check], dict[str, Figure]]:
    latencies = completed_latencies(points)
    failed = order_errors(output)
    duration = max(float(output["duration_s"]), 1e-9)
    completed_rate = len(latencies) / duration
    offered_rate = int(output["orders_offered"]) / duration
    # A customer starts an order every `pace`, or every two think times if those are longer.
    cycle = max(options.pace_s, 2 * options.think_s)
    intended_rate = options.users / cycle if cycle > 0 and not options.burst else None
    # The system was the limit when the machine was saturated, or orders were left undone.
    capacity_bound = (
        machine_busy_share > CAPACITY_BOUND_SHARE
        or completed_rate < CAPACITY_BOUND_SHARE * offered_rate
    )
    checks = [
        check.model_copy(update={"evidence": error_evidence(output)})
        if check.name == "error-rate"
        else check
        for check in evaluate(sla, latencies, failed, completed_rate)
    ]
    leaked = int(output.get("leaked_events", {}).get("count", 0))
    checks.append(
        Check(
            name="sse-no-leak",
            passed=leaked == 0,
            summary=f"{leaked} events reached another customer's stream",
            figures={"leaked": leaked},
            evidence=[json.dumps(e) for e in output.get("leaked_events", {}).get("examples", [])],
        )
    )
    generator = float(output.get("generator_cpu_s", 0.0))
    system = sum(cpu.values())
    generator_share = generator / duration / max(1, options.workers)
    figures: dict[str, Figure] = {
        **{f"latency_{k}": v for k, v in latency_figures(latencies).items()},
        "offered_orders_per_s": round(offered_rate, 2),
        "completed_orders_per_s": round(completed_rate, 2),
        "intended_orders_per_s": None if intended_rate is None else round(intended_rate, 2),
        "cpu_generator_s": round(generator, 2),
        **{f"cpu_{name}_s": round(value, 2) for name, value in sorted(cpu.items())},
        "cpu_per_completed_order_ms": round((system + generator) / len(latencies) * 1000, 1)
        if latencies
        else None,
        "machine_cpu_busy_share": round(machine_busy_share, 3),
        "capacity_bound": capacity_bound,
        "generator_bound": generator_share > GENERATOR_BOUND_SHARE,
        "completion_status": sla.completion,
    }
    return checks, figures


def result_of(
    options: LoadOptions, sla: Sla, output: dict[str, Any], checks: list[Check],
    figures: dict[str, Figure], started: datetime, target: dict[str, Figure],
    timeline: list[FaultRecord], environment: dict[str, Figure], points: list[OrderPoint],
) -> RunResult:  # fmt: skip
    requests: dict[str, dict[str, float]] = output.get("requests", {})
    checkout = requests.get("POST /api/storefront/checkout", {})
    stats = WorkloadStats(
        customers=int(output["users"]),
        planned=int(output["orders_offered"]),
        attempted=int(output["orders_offered"]),
        acknowledged=int(output["orders_offered"]) - int(output["error_counts"].get("http", 0)),
        rejected=0,
        failed=order_errors(output),
        skipped=0,
        duration_s=round(float(output["duration_s"]), 2),
        checkout_latency_ms={
            key: float(checkout[f"{key}_ms"]) for key in ("p50", "p90", "p99") if checkout
        },
    )
    return RunResult(
        kind="loadtest",
        scenario=f"loadtest-{options.users}"
        + (f"-with-{options.with_scenario}" if options.with_scenario else ""),
        description=f"{options.users} customers, {sla.describe()}"
        + (f", with the faults of {options.with_scenario}" if options.with_scenario else ""),
        seed=options.seed,
        arguments={"think_s": str(options.think_s), "pace_s": str(options.pace_s),
                   "ramp": str(options.ramp), "burst": str(options.burst),
                   "workers": str(options.workers), **options.params},
        started_at=started.isoformat(),
        finished_at=datetime.now(UTC).isoformat(),
        sandbox=target,
        workload=stats,
        timeline=timeline,
        checks=checks,
        figures=figures | request_figures(requests),
        order_latency=f"checkout sent -> {sla.completion} on the customer's own SSE stream",
        orders=points,
        environment=environment,
    )  # fmt: skip


def work_figures(work: work_meter.WorkCounts, output: dict[str, Any]) -> dict[str, Figure]:
    """Work per completed order: what the bare-client ceiling is multiplied by. Work of
    orders still in flight at the end is counted too, so these lean slightly high."""
    completed = len(output["samples"])
    per_order: dict[str, Figure] = {
        f"{name}_per_order": value for name, value in work.per(completed).items()
    }
    events = output.get("sse_events")
    per_order["sse_events_per_order"] = (
        round(float(events) / completed, 2)
        if isinstance(events, int | float) and completed
        else None
    )
    return per_order


def ceiling_figures(
    bench_path: Path | None, work: dict[str, Figure], completed_rate: float
) -> dict[str, Figure]:
    """The bare-client ceiling for this run's work per order (unit costs from a `sandbox
    bench infra` result) and the share of it completed. A message is a publish and a
    consume; with fan-out there are more deliveries than publishes, so the mean of the two
    counts stands for the pairs."""
    if bench_path is None:
        return {"bare_ceiling_orders_per_s": None, "ratio_to_bare_ceiling": None}
    amounts = [work.get(key) for key in ("published_per_order", "delivered_per_order",
                                          "transactions_per_order", "http_requests_per_order",
                                          "sse_events_per_order")]  # fmt: skip
    if not all(isinstance(a, int | float) for a in amounts):
        return {"bare_ceiling_orders_per_s": None, "ratio_to_bare_ceiling": None,
                "bench_file": str(bench_path)}  # fmt: skip
    published, delivered, transactions, http, events = (float(a or 0) for a in amounts)
    per_order = bench.WorkPerOrder(
        messages=(published + delivered) / 2,
        transactions=transactions,
        http_requests=http,
        sse_events=events,
    )
    ceiling = bench.ceiling_orders_per_s(bench.read_bench(bench_path), per_order)
    return {
        "bench_file": str(bench_path),
        "bare_ceiling_orders_per_s": round(ceiling, 2),
        "ratio_to_bare_ceiling": round(bench.ratio(completed_rate, ceiling), 3),
    }


def request_figures(requests: dict[str, dict[str, float]]) -> dict[str, Figure]:
    """Per endpoint: count, failures and Locust's (bucketed) p50/p90/p99 in milliseconds."""
    figures: dict[str, Figure] = {}
    for name, summary in sorted(requests.items()):
        for key in ("count", "failures", "p50_ms", "p90_ms", "p99_ms"):
            figures[f"http {name} {key}"] = summary.get(key)
    return figures


def _drive_load(
    config: LoadConfig,
    folder: Path,
    console: Console,
    faulted: load_faults.FaultedLoad | None,
    watch: RunWatch,
) -> tuple[dict[str, Any], list[FaultRecord]]:
    """The engine's output and the fault timeline (empty without ``--with``); the watch
    samples from the moment the load begins."""

    def began(then: Callable[[], None] = lambda: None) -> Callable[[], None]:
        def mark() -> None:
            watch.started(time.monotonic())
            then()

        return mark

    if faulted is None:
        return run_engine(config, folder, console, began()), []
    return load_faults.run_with_faults(
        faulted, lambda signal: run_engine(config, folder, console, began(signal))
    )


def run_loadtest(
    backend: ProcessBackend, options: LoadOptions, out_dir: Path | None, console: Console
) -> tuple[RunResult, Path]:
    sla = read_sla(options.sla_path)
    if options.bench_path is not None:
        bench.read_bench(options.bench_path)  # a bad file is refused before any load
    faulted = (
        load_faults.prepare_faults(
            backend, options.with_scenario, options.params, options.seed, options.duration_s
        )
        if options.with_scenario
        else None
    )
    runtime = backend.runtime()
    urls = [
        f"http://127.0.0.1:{runtime.port(i.name)}"
        for i in runtime.instances
        if i.spec.name == "storefront"
    ]
    folder = out_dir or (backend.paths.root / "runs")
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    timeline: list[FaultRecord] = []
    with tempfile.TemporaryDirectory(dir=folder, prefix=".loadtest-") as scratch:
        config = build_config(options, urls, sla, Path(scratch) / "progress.json")
        target = target_of(runtime)
        services = [f"http://127.0.0.1:{runtime.port(i.name)}" for i in runtime.instances]
        work_before = work_meter.snapshot(target, services)
        watch = RunWatch(target.metrics)
        try:
            watch.begin()
            before, busy_before = cpu_by_component(backend), machine_busy_s()
            output, timeline = _drive_load(config, Path(scratch), console, faulted, watch)
            after, busy_after = cpu_by_component(backend), machine_busy_s()
            work = work_meter.snapshot(target, services).minus(work_before)
            watch.finish()
        finally:
            watch.close()
    cpu = cpu_used(before, after)
    busy = (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1e-9)
    points = order_points(output)  # judged and stored: the same values, read once
    checks, figures = judge(options, sla, output, points, cpu, busy)
    if faulted is not None:
        checks += load_faults.judge_faulted(faulted, output, timeline, started)
    figures |= work_figures(work, output)
    bench_path = options.bench_path or bench.latest_bench(backend.paths.root / "runs")
    figures |= ceiling_figures(bench_path, figures, float(figures["completed_orders_per_s"] or 0))
    sandbox: dict[str, Figure] = {
        "port_base": runtime.settings.port_base,
        "defects": ",".join(runtime.settings.defects),
        "storefront_replicas": len(urls),
    }
    environment = describe_environment(target)
    result = result_of(
        options, sla, output, checks, figures, started, sandbox, timeline, environment, points
    ).model_copy(update={"snapshots": watch.snapshots(timeline)})
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    return result, result.write(folder / f"{stamp}-{result.scenario}-seed{options.seed}.json")


def print_summary(console: Console, result: RunResult, path: Path) -> None:
    figures = result.figures
    table = Table(header_style="bold")
    for column in ("check", "verdict", "summary"):
        table.add_column(column)
    for check in result.checks:
        verdict = "[green]pass[/]" if check.passed else "[red]FAIL[/]"
        table.add_row(check.name, verdict, check.summary)
    console.print(table)
    console.print(
        f"offered {figures.get('offered_orders_per_s')} orders/s, completed "
        f"{figures.get('completed_orders_per_s')} orders/s, "
        f"{figures.get('cpu_per_completed_order_ms')} ms CPU per completed order"
    )
    console.print(
        "work per order: "
        + ", ".join(
            f"{figures.get(key + '_per_order')} {key.replace('_', ' ')}"
            for key in ("published", "delivered", "transactions", "http_requests", "sse_events")
        )
    )
    if figures.get("bare_ceiling_orders_per_s") is not None:
        console.print(
            f"bare-client ceiling for that work {figures['bare_ceiling_orders_per_s']} orders/s;"
            f" ratio {figures['ratio_to_bare_ceiling']}"
        )
    if figures.get("capacity_bound"):
        console.print(
            "[yellow]capacity-bound:[/] the machine's CPUs were "
            f"{float(figures.get('machine_cpu_busy_share') or 0):.0%} busy, or fewer than 90 % "
            "of the offered orders completed: these latencies were measured at the limit"
        )
    if figures.get("generator_bound"):
        console.print(
            "[yellow]generator-bound:[/] the load generator used most of a core; add "
            "--workers so it is not the bottleneck"
        )
    verdict = "[green]PASSED[/]" if result.passed else "[red]FAILED[/]"
    console.print(f"{result.scenario} (seed {result.seed}): {verdict}; result: {path}")
