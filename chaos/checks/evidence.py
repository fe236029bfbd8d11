"""Evidence lists for checks: concrete cases, bounded so a broken run stays readable."""

from __future__ import annotations

from collections.abc import Iterable

MAX_EVIDENCE = 25


def bounded(items: Iterable[str]) -> list[str]:
    listed = list(items)
    extra = len(listed) - MAX_EVIDENCE
    return listed[:MAX_EVIDENCE] + ([f"... and {extra} more"] if extra > 0 else [])
