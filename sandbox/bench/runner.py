"""Run the chosen units against a running sandbox's own RabbitMQ and PostgreSQL (directly,
not through Toxiproxy) and a bench HTTP server of its own, then write the result file.

RabbitMQ's and PostgreSQL's CPU is counted whole, so run it on an idle sandbox: an idle one
adds well under 1 % (measured), a load test running at the same time would add its own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import uvloop

from chaos.target import Target
from sandbox.backends.process import ProcessBackend
from sandbox.bench.http_units import measure_http, measure_sse
from sandbox.bench.message import measure_messages
from sandbox.bench.result import UnitResult, write_result
from sandbox.bench.server import BenchServer, bench_server
from sandbox.bench.transaction import measure_transactions
from sandbox.chaos_control import target_of
from sandbox.errors import ConfigError, NotRunning, SandboxError

UNITS = ("message", "transaction", "http", "sse")
# Upper bounds on count, so a very fast machine still stops early; time usually ends a unit.
MAX_COUNTS = {"message": 100_000, "transaction": 200_000, "http": 200_000, "sse": 2_000_000}
BENCH_DATABASE = "orders"
MIN_SECONDS = 1.0


class BenchError(SandboxError):
    """A unit could not be measured (a component refused, answered wrongly, or timed out)."""


@dataclass(frozen=True)
class BenchPlan:
    units: tuple[str, ...]
    seconds: float


def plan(only: list[str] | None, seconds: float) -> BenchPlan:
    """The units to run, in their fixed order; unknown names are a ConfigError."""
    unknown = sorted(set(only or ()) - set(UNITS))
    if unknown:
        raise ConfigError(f"unknown unit {', '.join(unknown)}; choose from: {', '.join(UNITS)}")
    if seconds < MIN_SECONDS:
        raise ConfigError(f"--seconds must be at least {MIN_SECONDS:.0f}, got {seconds}")
    chosen = set(only or UNITS)
    return BenchPlan(tuple(unit for unit in UNITS if unit in chosen), seconds)


def _infrastructure_pids(backend: ProcessBackend) -> dict[str, int]:
    """The RabbitMQ VM's and the PostgreSQL postmaster's pids (their trees are measured)."""
    pids = {item.name: item.pid for item in backend.status()}
    found = {}
    for name in ("rabbitmq", "postgres"):
        pid = pids.get(name)
        if pid is None:
            raise NotRunning(f"{name} is not running in this sandbox; run `sandbox up`")
        found[name] = pid
    return found


@contextlib.contextmanager
def _server_if(needed: bool) -> Iterator[BenchServer | None]:
    if not needed:
        yield None
        return
    with bench_server() as server:
        yield server


async def _run_units(
    bench: BenchPlan, target: Target, pids: dict[str, int], server: BenchServer | None
) -> list[UnitResult]:
    seconds, results = bench.seconds, []
    for unit in bench.units:
        try:
            if unit == "message":
                amqp = target.amqp_url
                results.append(
                    await measure_messages(amqp, pids["rabbitmq"], seconds, MAX_COUNTS[unit])
                )
            elif unit == "transaction":
                dsn = target.databases[BENCH_DATABASE]
                results.append(
                    await measure_transactions(dsn, pids["postgres"], seconds, MAX_COUNTS[unit])
                )
            elif unit == "http" and server:
                results.extend(await measure_http(server, seconds, MAX_COUNTS[unit]))
            elif unit == "sse" and server:
                results.append(await measure_sse(server, seconds, MAX_COUNTS[unit]))
        except SandboxError:
            raise
        except Exception as exc:  # any client library's failure, shown as one line
            raise BenchError(f"the {unit} unit failed: {type(exc).__name__}: {exc}") from exc
    return results


def run_bench(
    backend: ProcessBackend, bench: BenchPlan, out_dir: Path | None
) -> tuple[list[UnitResult], Path]:
    """Measure every unit of ``bench``; (results, path of the result file)."""
    runtime = backend.runtime()  # NotRunning when there is no sandbox
    target = target_of(runtime)
    pids = _infrastructure_pids(backend)
    started = datetime.now(UTC)
    with _server_if("http" in bench.units or "sse" in bench.units) as server:
        results = uvloop.run(_run_units(bench, target, pids, server))
    settings = {
        "seconds_per_unit": bench.seconds,
        "units": list(bench.units),
        "max_counts": {unit: MAX_COUNTS[unit] for unit in bench.units},
        "port_base": runtime.settings.port_base,
        "database": BENCH_DATABASE,
    }
    folder = out_dir or backend.paths.root / "runs"
    return results, write_result(folder, started, datetime.now(UTC), results, settings)
