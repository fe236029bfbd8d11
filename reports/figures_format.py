"""How a figure reads in a report: a number with its unit, for people rather than parsers.

Units are the ones the results use: ``s`` (seconds), ``ms``, ``share`` (a fraction shown
as a percentage), ``1/s`` (orders per second) and ``orders``. Measured values keep a fixed
precision so a column of them lines up; limits are numbers people chose ("5 s", "1 %"),
so they print in their shortest form. Pure functions only: every renderer shares them.
"""

from __future__ import annotations

import math

from reports.model import Check, Figure

NO_VALUE = "n/a"
_UNIT_WORDS = {"1/s": "orders/s", "orders": "orders"}


def format_quantity(value: Figure, unit: str, *, limit: bool = False) -> str:
    """``value`` in ``unit``: "1.48 s", "0.20 %", "7.5 orders/s"; ``limit`` for thresholds."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if math.isnan(number):
        return NO_VALUE
    if unit == "share":
        return f"{_shortest(number * 100) if limit else f'{number * 100:.2f}'} %"
    if limit:
        return _with_unit(_shortest(number), unit)
    return _with_unit(_fixed(number, unit), unit)


def format_change(delta: float, unit: str) -> str:
    """A signed difference: "+0.35 s", "-12 ms"; a share moves in percentage points."""
    if math.isinf(delta) or math.isnan(delta):
        return format_quantity(delta, unit)
    if unit == "share":
        return f"{delta * 100:+.2f} pp"
    text = _fixed(delta, unit)
    return _with_unit(text if text.startswith("-") else f"+{text}", unit)


def measured_against_limit(check: Check) -> tuple[str, str] | None:
    """The check's measured value and its threshold, formatted, when the check has both."""
    figures = check.figures
    if "value" not in figures or "threshold" not in figures:
        return None
    unit = figures.get("unit")
    unit_text = unit if isinstance(unit, str) else ""
    if figures["value"] is None and _failed_orders(figures) > 0:
        measured = "∞ (failed orders)"  # the percentile fell on a failed order: never completed
    else:
        measured = format_quantity(figures["value"], unit_text)
    return measured, format_quantity(figures["threshold"], unit_text, limit=True)


def describe_measurement(check: Check) -> str:
    """The pair as words ("measured 9.73 s, threshold 5 s"); "" when the check has none."""
    pair = measured_against_limit(check)
    return "" if pair is None else f"measured {pair[0]}, threshold {pair[1]}"


def format_duration(seconds: float) -> str:
    """A run's length: "42.5 s", "5 min 24 s", "1 h 02 min"."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _fixed(number: float, unit: str) -> str:
    if unit == "ms" or (unit == "orders" and number.is_integer()):
        return f"{number:,.0f}"
    if unit == "1/s":
        return f"{number:.1f}" if abs(number) >= 1 else f"{number:.2f}"
    if unit == "s":
        decimals = 3 if abs(number) < 1 else 2 if abs(number) < 100 else 0
        return f"{number:.{decimals}f}"
    return f"{number:g}"


def _shortest(number: float) -> str:
    return f"{number:,.0f}" if number.is_integer() else f"{number:g}"


def _with_unit(text: str, unit: str) -> str:
    word = _UNIT_WORDS.get(unit, unit)
    return f"{text} {word}" if word else text


def _failed_orders(figures: dict[str, Figure]) -> int:
    failed = figures.get("failed")
    return failed if isinstance(failed, int) and not isinstance(failed, bool) else 0
