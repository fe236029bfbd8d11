"""The versioned result of one run: what was done, what was seen, and every check's verdict.

One JSON file per run; the gate and every renderer read only this. ``SCHEMA_VERSION``
changes whenever a field is added or changes meaning; readers refuse versions they do not
know. Version 2 added each check's ``kind``, the per-order points (``orders``) that the
reports chart and the gate re-judges, and the run's ``environment``; a version-1 file still
reads, with its kinds derived from the check names and no points. Version 3 added the
metric ``snapshots`` taken before, during and after the faults (or the load); a version-1
or version-2 file reads with none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reports.check_kinds import CheckKind, kind_of

SCHEMA_VERSION: Literal[3] = 3
READABLE_VERSIONS = (1, 2, 3)
Figure = int | float | str | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FaultRecord(_Frozen):
    label: str
    kind: str  # process | network | delivery
    planned_at_s: float
    planned_duration_s: float
    started_at_s: float | None = None
    ended_at_s: float | None = None  # when the fault was over (component ready, toxic gone)
    evidence: str = ""
    happened: bool = False
    error: str = ""


class Check(_Frozen):
    name: str
    passed: bool
    kind: CheckKind = "invariant"  # derived from the name when not given
    summary: str
    figures: dict[str, Figure] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list)  # bounded lists of concrete cases

    @model_validator(mode="before")
    @classmethod
    def _derive_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "kind" not in data and isinstance(data.get("name"), str):
            return {**data, "kind": kind_of(data["name"])}
        return data


class OrderPoint(_Frozen):
    """One order of the run's workload, for the charts and for re-judging an SLA."""

    at_s: float  # when its checkout was sent, seconds after the run started
    latency_s: float | None  # what RunResult.order_latency names; None when the order failed
    outcome: str = "ok"  # ok, or the kind of failure (http, timeout, unexpected-state, ...)


class MetricSnapshot(_Frozen):
    """The live figures (``chaos.live_figures``) at one moment of the run."""

    label: str  # before | during <fault> | peak of the load | after
    at_s: float  # on the run's clock: negative before the workload started
    queues: dict[str, dict[str, float]] = Field(default_factory=dict)  # messages, consumers
    services: dict[str, dict[str, float]] = Field(default_factory=dict)  # outbox, stuck...
    unreadable: list[str] = Field(default_factory=list)  # parts that did not answer


class WorkloadStats(_Frozen):
    customers: int
    planned: int
    attempted: int
    acknowledged: int
    rejected: int
    failed: int
    skipped: int
    duration_s: float
    checkout_latency_ms: dict[str, float] = Field(default_factory=dict)  # p50 / p90 / p99
    sse_events: int = 0
    sse_connections: int = 0


class RunResult(_Frozen):
    schema_version: Literal[1, 2, 3] = SCHEMA_VERSION
    kind: Literal["chaos", "loadtest"] = "chaos"
    scenario: str
    description: str
    seed: int
    arguments: dict[str, str] = Field(default_factory=dict)
    started_at: str  # ISO 8601, UTC
    finished_at: str
    sandbox: dict[str, Figure] = Field(default_factory=dict)  # port base, defects, replicas
    workload: WorkloadStats | None = None
    timeline: list[FaultRecord] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    figures: dict[str, Figure] = Field(default_factory=dict)
    order_latency: str = ""  # what an order point's latency measures, from what to what
    orders: list[OrderPoint] = Field(default_factory=list)  # in the order they were sent
    environment: dict[str, Figure] = Field(default_factory=dict)  # machine, versions, command
    snapshots: list[MetricSnapshot] = Field(default_factory=list)  # in the order taken

    @property
    def duration_s(self) -> float | None:
        """Seconds from the run's start to its end; None when either time cannot be read."""
        started, finished = parse_instant(self.started_at), parse_instant(self.finished_at)
        if started is None or finished is None:
            return None
        return max(0.0, (finished - started).total_seconds())

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = self.model_dump(mode="json")
        payload["passed"] = self.passed
        path.write_text(json.dumps(payload, indent=2) + "\n")
        return path


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (naive ones are taken as UTC), or None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class ResultError(Exception):
    """A result file that cannot be read: missing, not JSON, or of an unknown version."""


def read_result(path: Path) -> RunResult:
    try:
        payload = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultError(f"{path}: no such result file") from None
    except (OSError, ValueError) as exc:
        raise ResultError(f"{path}: not a readable JSON result ({exc})") from None
    if not isinstance(payload, dict):
        raise ResultError(f"{path}: not a result object")
    version = payload.get("schema_version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        *earlier, last = (str(v) for v in READABLE_VERSIONS)
        known = f"{', '.join(earlier)} and {last}" if earlier else last
        raise ResultError(f"{path}: result schema version {version!r}; this tool reads {known}")
    payload.pop("passed", None)  # derived, written for readers without this model
    try:
        return RunResult.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ResultError(f"{path}: invalid result at {where}: {first['msg']}") from None
