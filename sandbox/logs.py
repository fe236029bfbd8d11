"""Reading and following component logs written by supervisord."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

FOLLOW_INTERVAL_S = 0.25
TAIL_BLOCK = 64 * 1024


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a file (empty when it does not exist)."""
    if not path.exists():
        return []
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - TAIL_BLOCK))
        data = handle.read().decode("utf-8", errors="replace")
    return data.splitlines()[-lines:] if lines > 0 else []


def follow(
    paths: dict[str, Path], keep_going: Callable[[], bool] = lambda: True
) -> Iterator[tuple[str, str]]:
    """Yield ``(component, line)`` for lines appended to any of ``paths`` after this call.

    The starting offsets are taken now, not at the first ``next()``, so nothing written
    between the call and the first read is skipped.
    """
    offsets = {name: (path.stat().st_size if path.exists() else 0) for name, path in paths.items()}
    return _follow_from(paths, offsets, keep_going)


def _follow_from(
    paths: dict[str, Path], offsets: dict[str, int], keep_going: Callable[[], bool]
) -> Iterator[tuple[str, str]]:
    partial = dict.fromkeys(paths, "")
    while keep_going():
        got_any = False
        for name, path in paths.items():
            if not path.exists():
                continue
            size = path.stat().st_size
            if size < offsets[name]:  # rotated or truncated
                offsets[name] = 0
            if size == offsets[name]:
                continue
            with path.open("rb") as handle:
                handle.seek(offsets[name])
                chunk = handle.read()
            offsets[name] += len(chunk)
            text = partial[name] + chunk.decode("utf-8", errors="replace")
            *complete, partial[name] = text.split("\n")
            for line in complete:
                got_any = True
                yield name, line
        if not got_any:
            time.sleep(FOLLOW_INTERVAL_S)
