"""The load test's SLA: read from a TOML file (format in the repository's sla.toml), judged
on exact percentiles of every order's end-to-end latency.

Every key is validated: an unknown, mistyped or out-of-range one raises ``SlaError``
naming the file and the key path, because a typo silently ignored would let the gate pass
on a check that was never made.

Failed orders count as +infinity samples in the latency distribution: an order that never
completed took longer than any threshold, so errors can never make latency look better.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from reports.model import Check, Figure

DEFAULT_SLA_PATH = Path(__file__).resolve().parent.parent / "sla.toml"
COMPLETION_STATUSES = ("Confirmed", "Shipped", "Delivered")
_PERCENTILE_KEY = re.compile(r"p([0-9]+(?:\.[0-9]+)?)")
_CHECK_FIGURES = ("value", "threshold", "unit", "orders", "failed")  # s | share | 1/s | orders
_REPORTED = (("p50", 50.0), ("p90", 90.0), ("p98", 98.0), ("p99", 99.0), ("max", 100.0))


class SlaError(Exception):
    """An SLA file that cannot be used; the one-line message names the file and the key."""


@dataclass(frozen=True)
class Sla:
    completion: str  # the order status that ends the measurement
    percentiles: tuple[tuple[float, float], ...]  # (percentile, max seconds), ascending
    max_latency_s: float | None
    max_error_rate: float  # share of orders, 0 <= rate < 1
    min_throughput: float | None  # completed orders per second
    source: str
    min_orders: int = 1  # fewer measured orders (completed + failed) make the run invalid

    def describe(self) -> str:
        limits = [f"{_label(p)} <= {seconds:g} s" for p, seconds in self.percentiles]
        if self.max_latency_s is not None:
            limits.append(f"max <= {self.max_latency_s:g} s")
        limits.append(f"errors <= {self.max_error_rate * 100:g} %")
        if self.min_throughput is not None:
            limits.append(f">= {self.min_throughput:g} completed orders/s")
        if self.min_orders > 1:
            limits.append(f"at least {self.min_orders:,} orders")
        return f"until {self.completion}: " + ", ".join(limits)


def load_sla(path: Path) -> Sla:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise SlaError(f"{path}: no such SLA file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SlaError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SlaError(f"{path}: cannot be read ({exc})") from None
    return _parse(document, str(path))


def exact_percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile by nearest rank: the smallest sample such that at least p % of all
    samples are <= it, i.e. the ceil(p / 100 * n)-th smallest (1-based). Always one of the
    samples: no bucketing, no interpolation. ValueError on no samples or p outside (0, 100]."""
    return _nearest_rank(_sorted_samples(samples), p)


def evaluate(
    sla: Sla, latencies_s: Sequence[float], failed: int, completed_per_s: float | None = None
) -> list[Check]:
    """One check per SLA limit: latency-p<N>..., latency-max, error-rate, throughput, and the
    validity check enough-orders (the run measured at least ``min_orders``). ``latencies_s``
    holds one end-to-end latency per completed order; the ``failed`` orders enter the latency
    distribution as +infinity (see the module docstring)."""
    if failed < 0:
        raise ValueError(f"failed orders cannot be negative: {failed}")
    if sla.min_throughput is not None and completed_per_s is None:
        raise ValueError(f"{sla.source} sets a throughput minimum but none was measured")
    completed = _sorted_samples(latencies_s)
    orders = len(completed) + failed
    limits = [(_label(p), p, seconds) for p, seconds in sla.percentiles]
    if sla.max_latency_s is not None:
        limits.append(("max", 100.0, sla.max_latency_s))
    if orders == 0:
        unjudged = [(f"latency-{label}", seconds, "s") for label, _, seconds in limits]
        unjudged.append(("error-rate", sla.max_error_rate, "share"))
        if sla.min_throughput is not None:
            unjudged.append(("throughput", sla.min_throughput, "1/s"))
        summary = "no order completed: the run placed no order at all"
        return [
            _check(name, False, summary, None, limit, unit, 0, 0) for name, limit, unit in unjudged
        ] + [_enough_orders(sla, 0, 0)]
    distribution = completed + [math.inf] * failed  # still ascending
    checks = [
        _latency_check(label, _nearest_rank(distribution, p), seconds, len(completed), failed)
        for label, p, seconds in limits
    ]
    rate, limit = failed / orders, sla.max_error_rate
    summary = f"error rate {rate * 100:.2f} % ({failed:,} of {orders:,} orders failed)"
    summary += f" {'<=' if rate <= limit else '>'} {limit * 100:g} %"
    checks.append(
        _check("error-rate", rate <= limit, summary, rate, limit, "share", orders, failed)
    )
    if sla.min_throughput is not None and completed_per_s is not None:
        per_s, minimum = completed_per_s, sla.min_throughput
        summary = f"{per_s:.1f} completed orders/s {'>=' if per_s >= minimum else '<'}"
        summary += f" {minimum:g} orders/s ({len(completed):,} completed)"
        passed = per_s >= minimum
        checks.append(_check("throughput", passed, summary, per_s, minimum, "1/s", orders, failed))
    return [*checks, _enough_orders(sla, orders, failed)]


def _enough_orders(sla: Sla, orders: int, failed: int) -> Check:
    """Too few orders prove nothing either way: the gate calls such a run invalid."""
    passed = orders >= sla.min_orders
    summary = f"{orders:,} orders measured {'>=' if passed else '<'} the {sla.min_orders:,} needed"
    return _check(
        "enough-orders", passed, summary, orders, sla.min_orders, "orders", orders, failed
    )


def latency_figures(latencies_s: Sequence[float]) -> dict[str, Figure]:
    """Exact p50/p90/p98/p99/max/mean of the completed orders' latencies, in seconds rounded
    to the millisecond, and their count; None for each figure when nothing completed."""
    samples = _sorted_samples(latencies_s)
    if not samples:
        return dict.fromkeys([name for name, _ in _REPORTED] + ["mean"]) | {"count": 0}
    figures: dict[str, Figure] = {
        name: round(_nearest_rank(samples, p), 3) for name, p in _REPORTED
    }
    figures["mean"] = round(math.fsum(samples) / len(samples), 3)
    figures["count"] = len(samples)
    return figures


def _sorted_samples(samples: Sequence[float]) -> list[float]:
    ordered = sorted(float(sample) for sample in samples)
    if any(map(math.isnan, ordered)) or (ordered and ordered[0] < 0):
        raise ValueError("latency samples must be numbers >= 0 (found NaN or a negative one)")
    return ordered


def _nearest_rank(ascending: Sequence[float], p: float) -> float:
    if not 0 < p <= 100:  # also refuses NaN
        raise ValueError(f"percentile {p!r} is outside (0, 100]")
    if not ascending:
        raise ValueError("no samples to take a percentile of")
    # The percentile as written ("99.9"), not its binary approximation, so ranks are exact.
    rank = math.ceil(Fraction(repr(float(p))) * len(ascending) / 100)
    return ascending[rank - 1]


def _label(p: float) -> str:
    return f"p{int(p)}" if float(p).is_integer() else f"p{float(p)!r}"


def _latency_check(label: str, value: float, limit: float, completed: int, failed: int) -> Check:
    orders = completed + failed
    if completed == 0:
        summary = f"{label}: no order completed; all {orders:,} orders failed"
    elif math.isinf(value):
        summary = f"{label} over {limit:g} s: {failed:,} of {orders:,} orders failed"
        summary += " and count as never completing"
    else:
        summary = f"{label} {value:.3f} s {'<=' if value <= limit else '>'} {limit:g} s"
        summary += f" over {orders:,} orders" + (f" ({failed:,} failed)" if failed else "")
    # JSON has no infinity: a percentile that fell among the failed orders has no value.
    measured = None if math.isinf(value) else value
    return _check(f"latency-{label}", value <= limit, summary, measured, limit, "s", orders, failed)


def _check(name: str, passed: bool, summary: str, *figures: Figure) -> Check:
    """A check whose figures are given in the order of _CHECK_FIGURES."""
    named = dict(zip(_CHECK_FIGURES, figures, strict=True))
    return Check(name=name, passed=passed, summary=summary, figures=named)


def _parse(document: dict[str, Any], source: str) -> Sla:
    def fail(where: str, problem: str) -> NoReturn:
        raise SlaError(f"{source}: {where}: {problem}")

    def table(key: str, allowed: Sequence[str] = ()) -> dict[str, Any]:
        if key not in document:
            fail(key, f"missing (add the [{key}] table)")
        value = document[key]
        if not isinstance(value, dict):
            fail(key, f"expected a table [{key}], got {_kind(value)}")
        for inner in value:
            if allowed and inner not in allowed:
                fail(f"{key}.{inner}", f"unknown key (expected {', '.join(allowed)})")
        return value

    def number(value: object, where: str, unit: str) -> float:
        if isinstance(value, dict):  # TOML reads an unquoted p99.9 as table p99, key 9
            fail(where, f'expected {unit}, got a table (quote such keys: "p99.9" = 20.0)')
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(where, f"expected {unit} as a number, got {_kind(value)}")
        if not math.isfinite(value):
            fail(where, f"{value} is not a finite number of {unit}")
        return float(value)

    def positive(value: object, where: str, unit: str = "seconds") -> float:
        if (result := number(value, where, unit)) <= 0:
            fail(where, f"must be more than 0 {unit}, got {result:g}")
        return result

    for key in document:
        if key not in ("completion", "latency", "errors", "throughput", "run"):
            fail(key, "unknown key (expected completion, [latency], [errors], [throughput], [run])")
    completion = document.get("completion")
    if completion is None:
        fail("completion", f"missing (one of {' | '.join(COMPLETION_STATUSES)})")
    if completion not in COMPLETION_STATUSES:
        fail("completion", f"{_kind(completion)} is not one of {' | '.join(COMPLETION_STATUSES)}")

    percentiles: dict[float, float] = {}
    max_latency: float | None = None
    for key, value in table("latency").items():
        where = f"latency.{key}"
        if key == "max":
            max_latency = positive(value, where)
            continue
        if (match := _PERCENTILE_KEY.fullmatch(key)) is None:
            fail(where, "unknown key (use p<number> such as p90, or max)")
        if not 0 < (p := float(match.group(1))) <= 100:
            fail(where, f"percentile {match.group(1)} is outside (0, 100]")
        if p in percentiles:
            fail(where, f"percentile {p:g} is given twice")
        percentiles[p] = positive(value, where)
    if not percentiles and max_latency is None:
        fail("latency", "no limit (add p90 = 5.0, or max = <seconds>)")

    errors = table("errors", ("rate",))
    if "rate" not in errors:
        fail("errors.rate", "missing (the highest share of orders allowed to fail, e.g. 0.01)")
    if not 0 <= (rate := number(errors["rate"], "errors.rate", "share of orders")) < 1:
        fail("errors.rate", f"{rate:g} is not a share of orders in [0, 1)")

    minimum: float | None = None
    if "throughput" in document:
        where = "throughput.min_completed_per_s"
        throughput = table("throughput", ("min_completed_per_s",))
        if "min_completed_per_s" not in throughput:
            fail(where, "missing")
        minimum = positive(throughput["min_completed_per_s"], where, "completed orders/s")
    min_orders = 1
    if "run" in document:
        run = table("run", ("min_orders",))
        value = run.get("min_orders", 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail("run.min_orders", f"expected a whole number of orders >= 1, got {_kind(value)}")
        min_orders = value
    return Sla(
        str(completion),
        tuple(sorted(percentiles.items())),
        max_latency,
        rate,
        minimum,
        source,
        min_orders,
    )


def _kind(value: object) -> str:
    names = {dict: "a table", list: "an array", bool: "a boolean"}
    return names.get(type(value), repr(value))
