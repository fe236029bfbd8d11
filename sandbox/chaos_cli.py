"""`sandbox chaos`: load a scenario against the running sandbox, run it,
write the result file, print the verdict."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chaos.runner import ChaosRun, RunSettings
from chaos.scenario import (
    Scenario,
    ScenarioError,
    catalog,
    expand_faults,
    find_scenario,
    load_scenario,
    parameter_values,
)
from reports.gate import GateRow
from reports.model import RunResult
from sandbox.backends.process import ProcessBackend
from sandbox.binaries import PROJECT_ROOT
from sandbox.chaos_control import SupervisedControl, target_of
from sandbox.errors import ConfigError
from sandbox.run_environment import describe_environment

SCENARIOS = PROJECT_ROOT / "scenarios"
ALL = "all"


def scenario_catalog() -> Table:
    table = Table(header_style="bold")
    table.add_column("scenario")
    table.add_column("what it does")
    for name, description in catalog(SCENARIOS):
        table.add_row(name, description)
    return table


def parse_params(raw: list[str]) -> dict[str, str]:
    params = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ConfigError(f"--param wants NAME=VALUE, got {item!r}")
        params[key] = value
    return params


def _scenario_path(name: str) -> Path:
    given = Path(name)
    if given.suffix in (".yaml", ".yml") and given.exists():
        return given
    return find_scenario(SCENARIOS, name)


def prepare(backend: ProcessBackend, name: str, params: dict[str, str]) -> list[Scenario]:
    """Every scenario to run: one, or one per value when a parameter is ``all``."""
    runtime = backend.runtime()
    known = {
        "links": [link.name for link in runtime.links],
        "components": runtime.components,
        "services": runtime.services,
    }
    try:
        path = _scenario_path(name)
        first = load_scenario(path, **known, arguments=_without_all(params))
        fanned = [key for key, value in params.items() if value == ALL]
        if not fanned:
            return [first]
        values = parameter_values(first)
        return [
            load_scenario(path, **known, arguments={**params, fanned[0]: value}) for value in values
        ]
    except ScenarioError as exc:
        raise ConfigError(str(exc)) from None


def resized(
    scenario: Scenario, *, orders: int | None, customers: int | None, rate: float | None
) -> Scenario:
    """The scenario with its workload scaled from the command line (for benchmarks)."""
    workload = scenario.workload
    total = orders or workload.orders
    scaled = replace(
        workload,
        orders=total,
        customers=min(customers or workload.customers, total),
        rate=rate or workload.rate,
    )
    return replace(scenario, workload=scaled)


def _without_all(params: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in params.items() if value != ALL}


def run_scenario(
    backend: ProcessBackend, scenario: Scenario, seed: int | None, out_dir: Path | None
) -> tuple[RunResult, Path]:
    runtime = backend.runtime()
    target = target_of(runtime)
    control = SupervisedControl(runtime, backend.supervisor)
    chosen_seed = seed if seed is not None else secrets.randbelow(2**31)
    faults = expand_faults(
        scenario, chosen_seed, links=list(target.links), services=list(target.services)
    )
    run = ChaosRun(target, control, scenario, RunSettings(chosen_seed, faults))
    result = asyncio.run(run.run())
    result = result.model_copy(update={"environment": describe_environment(target)})
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "-".join(scenario.arguments.values())
    name = f"{stamp}-{scenario.name}{'-' + suffix if suffix else ''}-seed{chosen_seed}.json"
    folder = out_dir or (backend.paths.root / "runs")
    return result, result.write(folder / name)


def checks_table(rows: list[GateRow]) -> Table:
    table = Table(header_style="bold")
    for column in ("run", "check", "verdict", "summary"):
        table.add_column(column)
    for row in rows:
        verdict = "[green]pass[/]" if row.check.passed else "[red]FAIL[/]"
        table.add_row(row.scenario, row.check.name, verdict, row.check.summary)
    return table


def print_result(console: Console, result: RunResult, path: Path) -> None:
    rows = [GateRow(path.name, result.scenario, check) for check in result.checks]
    console.print(checks_table(rows))
    for fault in result.timeline:
        state = "happened" if fault.happened else f"[red]did not happen[/] ({fault.error})"
        console.print(f"  fault at {fault.started_at_s:.1f} s: {fault.label}: {state}")
    verdict = "[green]PASSED[/]" if result.passed else "[red]FAILED[/]"
    console.print(f"{result.scenario} (seed {result.seed}): {verdict}; result: {path}")
