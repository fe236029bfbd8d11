"""Chaos scenarios: a workload, a timeline of faults, a recovery deadline and the checks.

Scenarios are YAML files in ``scenarios/`` (format: ``scenarios/README.md``); a file's
name without ``.yaml`` is the scenario's name. :func:`load_scenario` checks a file against
the sandbox's real components and links, so a typo is refused, with its file, line and
field, before anything is started.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chaos.faults import Fault
from chaos.scenario_faults import (
    SERVICES_WORD,
    Known,
    RandomFaults,
    draw_random_faults,
    read_fault,
    read_random_faults,
)
from chaos.scenario_yaml import Field, ScenarioError, display_path, read_document

__all__ = [
    "CHECKS",
    "Parameter",
    "RandomFaults",
    "Scenario",
    "ScenarioError",
    "Workload",
    "catalog",
    "expand_faults",
    "find_scenario",
    "load_scenario",
    "parameter_values",
]

CHECKS = ("durability", "isolation", "recovery")
DEFAULT_RECOVERY_DEADLINE_S = 90.0
_TOP_KEYS = (
    "description",
    "parameter",
    "workload",
    "faults",
    "random_faults",
    "recovery",
    "checks",
)
_WORKLOAD_KEYS = (
    "customers",
    "orders",
    "rate",
    "sse",
    "hostile",
    "reconnect_every",
    "decline_share",
)
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Workload:
    customers: int  # distinct customers
    orders: int  # total orders across all customers
    rate: float  # orders per second, all customers together
    sse: bool  # each customer listens on its own SSE stream
    hostile: bool  # also probe hostile subscriptions (none, forged, expired, foreign)
    reconnect_every_s: float  # 0: never; else SSE reconnects with Last-Event-ID
    decline_share: float  # share of orders paid with a declining card (-> Cancelled)


@dataclass(frozen=True)
class Parameter:
    name: str
    default: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    path: Path
    workload: Workload
    faults: tuple[Fault, ...]
    random_faults: RandomFaults | None
    recovery_deadline_s: float
    checks: tuple[str, ...]
    parameter: Parameter | None
    arguments: dict[str, str]  # the parameter's value for this run, the default included


def load_scenario(
    path: Path,
    *,
    links: Sequence[str],
    components: Sequence[str],
    services: Sequence[str],
    arguments: Mapping[str, str] | None = None,
) -> Scenario:
    """Read and check one scenario file; ``arguments`` fill in its ``${parameter}``."""
    root = read_document(path)
    fields = root.mapping(_TOP_KEYS, required=("description", "workload", "checks"))
    known = Known(tuple(links), tuple(components), tuple(services))
    parameter_field = fields.get("parameter")
    parameter = _read_parameter(parameter_field, services) if parameter_field else None
    values = _bind_arguments(parameter, parameter_field or root, dict(arguments or {}))
    root.document.variables.update(values)
    faults_field = fields.get("faults")
    faults = (
        tuple(read_fault(item, known) for item in faults_field.sequence()) if faults_field else ()
    )
    random_field = fields.get("random_faults")
    scenario = Scenario(
        name=path.stem,
        description=_read_description(fields["description"]),
        path=path,
        workload=_read_workload(fields["workload"]),
        faults=faults,
        random_faults=read_random_faults(random_field, known) if random_field else None,
        recovery_deadline_s=_read_recovery(fields.get("recovery")),
        checks=_read_checks(fields["checks"]),
        parameter=parameter,
        arguments=values,
    )
    if parameter_field and parameter and parameter.name not in root.document.referenced:
        raise parameter_field.error(f"${{{parameter.name}}} is never used in the scenario")
    return scenario


def find_scenario(folder: Path, name: str) -> Path:
    """The file of the scenario called ``name``."""
    known = {path.stem: path for path in folder.glob("*.yaml")}
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise ScenarioError(f"no scenario {name!r} in {display_path(folder)} (known: {listed})")
    return known[name]


def catalog(folder: Path) -> list[tuple[str, str]]:
    """Every scenario's name and description, read without a sandbox (for ``chaos list``)."""
    paths = sorted(folder.glob("*.yaml"), key=lambda path: path.stem)
    return [(path.stem, _description_of(path)) for path in paths]


def parameter_values(scenario: Scenario) -> tuple[str, ...]:
    """Every value the scenario's parameter accepts (what ``--param name=all`` runs)."""
    return scenario.parameter.choices if scenario.parameter is not None else ()


def expand_faults(
    scenario: Scenario, seed: int, *, links: Sequence[str], services: Sequence[str]
) -> tuple[Fault, ...]:
    """The fixed faults plus the random ones drawn from ``seed``, in order of start time."""
    drawn: list[Fault] = []
    if scenario.random_faults is not None:
        rng = random.Random(seed)
        try:
            drawn = draw_random_faults(
                scenario.random_faults, rng, scenario.faults, links, services
            )
        except ScenarioError as exc:
            raise ScenarioError(f"{display_path(scenario.path)}: {exc}") from None
    return tuple(sorted((*scenario.faults, *drawn), key=lambda fault: fault.at_s))


def _description_of(path: Path) -> str:
    try:
        description = read_document(path).lookup("description")
        return _read_description(description) if description else "(invalid: no description)"
    except ScenarioError as exc:
        return f"(invalid: {exc})"


def _read_description(field: Field) -> str:
    # Not substituted: it describes the scenario for every value of its parameter.
    text = field.text(substitute=False)
    if "\n" in text:
        raise field.error("must be a single line")
    return text


def _read_parameter(field: Field, services: Sequence[str]) -> Parameter:
    fields = field.mapping(("name", "default", "choices"), required=("name", "default", "choices"))
    name = fields["name"].text(substitute=False)
    if not _PARAMETER_NAME.fullmatch(name):
        raise fields["name"].error(f"must be a name of letters, digits and _, got {name!r}")
    choices_field = fields["choices"]
    if choices_field.is_scalar:
        if choices_field.scalar() != SERVICES_WORD:
            raise choices_field.error(f"must be a list or the word {SERVICES_WORD}")
        choices = tuple(services)
    else:
        items = choices_field.sequence()
        choices = tuple(item.text(substitute=False) for item in items)
        for index, choice in enumerate(choices):
            if choice in choices[:index]:
                raise items[index].error(f"{choice!r} is listed twice")
    default = fields["default"].text(substitute=False)
    if default not in choices:
        raise fields["default"].error(f"{default!r} is not one of the choices")
    return Parameter(name, default, choices)


def _bind_arguments(
    parameter: Parameter | None, where: Field, arguments: dict[str, str]
) -> dict[str, str]:
    """The parameter's value for this run: the argument given, else the default."""
    for key in arguments:
        if parameter is None or key != parameter.name:
            takes = f"only {parameter.name!r}" if parameter else "no parameter"
            raise where.error(f"--param {key}: this scenario takes {takes}")
    if parameter is None:
        return {}
    value = arguments.get(parameter.name, parameter.default)
    if value not in parameter.choices:
        listed = ", ".join(parameter.choices)
        raise where.error(f"--param {parameter.name}={value} is not one of: {listed}")
    return {parameter.name: value}


def _read_workload(field: Field) -> Workload:
    fields = field.mapping(_WORKLOAD_KEYS, required=("customers", "orders", "rate"))
    sse = fields["sse"].boolean() if "sse" in fields else True
    reconnect = fields.get("reconnect_every")
    reconnect_every_s = reconnect.duration(allow_zero=True) if reconnect else 0.0
    if reconnect and reconnect_every_s > 0 and not sse:
        raise reconnect.error("SSE reconnects need sse: true")
    decline = fields.get("decline_share")
    return Workload(
        customers=fields["customers"].integer(1, 2000),
        orders=fields["orders"].integer(1),
        rate=fields["rate"].number(0.0, above=True),
        sse=sse,
        hostile=fields["hostile"].boolean() if "hostile" in fields else False,
        reconnect_every_s=reconnect_every_s,
        decline_share=decline.number(0.0, 1.0) if decline else 0.0,
    )


def _read_recovery(field: Field | None) -> float:
    if field is None:
        return DEFAULT_RECOVERY_DEADLINE_S
    deadline = field.mapping(("deadline",), required=("deadline",))["deadline"]
    return deadline.duration(allow_zero=False)


def _read_checks(field: Field) -> tuple[str, ...]:
    items = field.sequence()
    checks = tuple(item.choice(CHECKS, "check") for item in items)
    for index, check in enumerate(checks):
        if check in checks[:index]:
            raise items[index].error(f"{check!r} is listed twice")
    return checks
