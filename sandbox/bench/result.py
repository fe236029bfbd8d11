"""The result of `sandbox bench infra`: one JSON file per run in ``STATE/runs``, and the
loader the load test uses to turn the newest complete run into ``UnitCosts``."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sandbox.bench.ceiling import UnitCosts
from sandbox.errors import ConfigError

VERSION = 1
SUFFIX = "-bench-infra.json"  # complete runs only; a run of some units is named apart
# Unit names in the file, and the UnitCosts field each one fills.
COST_FIELDS = {
    "message": "message_ms",
    "transaction": "transaction_ms",
    "http_server": "http_server_ms",
    "http_client": "http_client_ms",
    "sse_event": "sse_event_ms",
}


class BenchFileError(ConfigError):
    """A bench result file is missing, unreadable, or lacks a unit cost."""


@dataclass(frozen=True)
class UnitResult:
    """One unit's measurement: how many, over how long, and the CPU of each part counted."""

    name: str
    count: int
    seconds: float
    cpu_ms: dict[str, float]  # part (client, server, rabbitmq, postgres) -> CPU milliseconds

    @property
    def ms_per_unit(self) -> float:
        return sum(self.cpu_ms.values()) / self.count if self.count else 0.0

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "seconds": round(self.seconds, 3),
            "ms_cpu_per_unit": round(self.ms_per_unit, 4),
            "per_s": round(self.per_s, 1),
            "cpu_ms_by_part": {part: round(ms, 1) for part, ms in sorted(self.cpu_ms.items())},
        }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count() or 1,
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
    }


def write_result(
    folder: Path,
    started: datetime,
    finished: datetime,
    results: list[UnitResult],
    settings: dict[str, Any],
) -> Path:
    """Write the run's file; its name ends in ``SUFFIX`` only when every unit was measured."""
    document = {
        "version": VERSION,
        "kind": "bench-infra",
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "machine": machine(),
        "settings": settings,
        "units": {result.name: result.to_json() for result in results},
    }
    complete = set(COST_FIELDS) <= {result.name for result in results}
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}{SUFFIX}" if complete else f"{stamp}-bench-infra-partial.json"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def read_bench(path: Path) -> UnitCosts:
    """The unit costs of a bench result file, or a BenchFileError that says what is wrong."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BenchFileError(f"cannot read bench result {path}: {exc}") from None
    try:
        units = document["units"]
        costs = {
            field: float(units[unit]["ms_cpu_per_unit"]) for unit, field in COST_FIELDS.items()
        }
        cores = int(document["machine"]["cpu_count"])
    except KeyError as exc:
        raise BenchFileError(
            f"bench result {path} lacks {exc}; run `sandbox bench infra` (every unit) again"
        ) from None
    except (TypeError, ValueError) as exc:
        raise BenchFileError(f"bench result {path} is malformed: {exc}") from None
    if cores < 1 or any(value <= 0 for value in costs.values()):
        raise BenchFileError(f"bench result {path} holds a cost of zero or less, or no cores")
    return UnitCosts(cores=cores, **costs)


def latest_bench(folder: Path) -> Path | None:
    """The newest complete bench result in ``folder`` (names start with a UTC stamp)."""
    if not folder.is_dir():
        return None
    found = sorted(folder.glob(f"*{SUFFIX}"))
    return found[-1] if found else None
