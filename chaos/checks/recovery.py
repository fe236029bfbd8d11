"""Recovery: every fault really happened, and orders flowed again soon after each ended.

Times are seconds from the start of the workload. "Completed" means Confirmed (stock
committed, payment captured): the moment an order is safe, whatever shipping does next.
"""

from __future__ import annotations

import bisect

from chaos.checks.evidence import bounded
from reports.model import Check, FaultRecord, Figure

WINDOW_S = 2.0  # throughput is measured over this sliding window


def _throughput_before(completions: list[float], start: float, offered_rate: float) -> float:
    window_start = max(completions[0] if completions else 0.0, start - 10.0)
    span = start - window_start
    if span < 1.0:
        return offered_rate  # too little history before the fault: use what was offered
    done = bisect.bisect_left(completions, start) - bisect.bisect_left(completions, window_start)
    return done / span


def _time_to_throughput(completions: list[float], since: float, wanted: float) -> float | None:
    needed = wanted * WINDOW_S
    for index in range(bisect.bisect_left(completions, since), len(completions)):
        t = completions[index]
        if t - since < WINDOW_S:
            continue
        in_window = index + 1 - bisect.bisect_right(completions, t - WINDOW_S)
        if in_window >= needed:
            return t - since
    return None


def check_faults_happened(timeline: list[FaultRecord]) -> Check:
    failed = [f"{f.label}: {f.error or 'not observed'}" for f in timeline if not f.happened]
    return Check(
        name="faults-happened",
        passed=not failed,
        summary=(
            f"{len(timeline) - len(failed)} of {len(timeline)} faults observed to happen"
            if timeline
            else "this scenario injects no fault"
        ),
        figures={"faults": len(timeline), "not_observed": len(failed)},
        evidence=bounded(failed + [f"{f.label}: {f.evidence}" for f in timeline if f.happened]),
    )


def check_recovery(
    timeline: list[FaultRecord],
    completions: list[float],
    offered_rate: float,
    deadline_s: float,
    last_checkout_s: float | None = None,
) -> Check:
    """``last_checkout_s``: when the last acknowledged checkout was sent; orders placed
    after a fault began must complete after it ended, or the system did not recover."""
    completions = sorted(completions)
    problems: list[str] = []
    figures: dict[str, Figure] = {}
    for number, fault in enumerate(timeline, start=1):
        if fault.started_at_s is None or fault.ended_at_s is None:
            continue
        end = fault.ended_at_s
        after = completions[bisect.bisect_left(completions, end) :]
        pre = _throughput_before(completions, fault.started_at_s, offered_rate)
        first = after[0] - end if after else None
        t90 = _time_to_throughput(completions, end, 0.9 * pre)
        figures[f"fault{number}_first_completion_s"] = None if first is None else round(first, 3)
        figures[f"fault{number}_throughput90_s"] = None if t90 is None else round(t90, 3)
        figures[f"fault{number}_pre_fault_throughput"] = round(pre, 2)
        work_left = any(t >= fault.started_at_s for t in completions) or (
            last_checkout_s is not None and last_checkout_s >= fault.started_at_s
        )
        if first is None and work_left:
            problems.append(f"{fault.label}: no order completed after it ended")
        elif first is not None and first > deadline_s:
            problems.append(f"{fault.label}: first completion {first:.1f} s after it ended")
    firsts = [v for k, v in figures.items() if k.endswith("first_completion_s") and v is not None]
    summary = (
        f"first completion after each fault: {', '.join(f'{float(v):.2f} s' for v in firsts)}"
        if firsts
        else "no completion measured after a fault"
    )
    return Check(
        name="recovery",
        passed=not problems,
        summary=summary if not problems else f"{len(problems)} faults without recovery",
        figures=figures,
        evidence=bounded(problems),
    )
