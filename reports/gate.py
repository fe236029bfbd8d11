"""The gate: a run passes only when every one of its checks passed, and so do all runs.

When something failed, the exit code names the worst class of failure, so a CI job can
tell "the numbers got worse" from "an order was lost" from "this run proves nothing":

    0  every check of every run passed
    1  an SLA was breached (latency, error rate, throughput, recovery time)
    2  bad input: an unreadable result, an unknown schema version, a bad SLA or baseline
    3  an invariant was violated (an order lost or applied twice, an event leaked, ...)
    4  a run is invalid: not steady first, a fault never applied or not rolled back, too
       few orders, or no check at all
    5  a regression against the baseline, beyond the tolerance

An invalid run outranks everything (its other verdicts mean nothing), then invariants,
then SLAs, then regressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from reports.model import Check, RunResult, read_result

REGRESSION_CHECK = "no-regression"  # the check a baseline comparison adds to a run


class GateExit(IntEnum):
    PASSED = 0
    SLA_BREACHED = 1
    BAD_INPUT = 2
    INVARIANT_VIOLATED = 3
    RUN_INVALID = 4
    REGRESSED = 5


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

    @property
    def empty_runs(self) -> int:
        """Runs that checked nothing: they prove nothing, so they are invalid."""
        return sum(1 for result in self.results if not result.checks)

    @property
    def exit(self) -> GateExit:
        if not self.results:
            return GateExit.BAD_INPUT
        failed = [row.check for row in self.failed_checks]
        if self.empty_runs or any(check.kind == "validity" for check in failed):
            return GateExit.RUN_INVALID
        if any(check.kind == "invariant" for check in failed):
            return GateExit.INVARIANT_VIOLATED
        if any(check.kind == "sla" and check.name != REGRESSION_CHECK for check in failed):
            return GateExit.SLA_BREACHED
        return GateExit.REGRESSED if failed else GateExit.PASSED


def gate(paths: list[Path]) -> GateVerdict:
    """Read every result (ResultError on a bad one) and collect their checks."""
    return judge([(path.name, read_result(path)) for path in paths])


def judge(runs: Sequence[tuple[str, RunResult]]) -> GateVerdict:
    """The verdict over results already read (and perhaps re-judged); names are file names."""
    rows = [
        GateRow(name, result.scenario, check) for name, result in runs for check in result.checks
    ]
    return GateVerdict(rows, [result for _, result in runs])
