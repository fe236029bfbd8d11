"""The gate: a run passes only when every one of its checks passed, and so do all runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reports.model import Check, RunResult, read_result


@dataclass(frozen=True)
class GateRow:
    run: str  # file name
    scenario: str
    check: Check


@dataclass(frozen=True)
class GateVerdict:
    rows: list[GateRow]
    results: list[RunResult]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(result.passed for result in self.results)

    @property
    def failed_checks(self) -> list[GateRow]:
        return [row for row in self.rows if not row.check.passed]


def gate(paths: list[Path]) -> GateVerdict:
    """Read every result (ResultError on a bad one) and collect their checks."""
    results = [read_result(path) for path in paths]
    rows = [
        GateRow(path.name, result.scenario, check)
        for path, result in zip(paths, results, strict=True)
        for check in result.checks
    ]
    return GateVerdict(rows, results)
