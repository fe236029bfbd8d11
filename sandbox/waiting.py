"""Waiting on a condition with a deadline: the only way the sandbox waits."""

from __future__ import annotations

import time
from collections.abc import Callable

from sandbox.errors import SandboxError

POLL_INTERVAL_S = 0.1


class DeadlineExceeded(SandboxError):
    """A condition stayed false until its deadline."""


def wait_until(
    condition: Callable[[], bool],
    deadline_s: float,
    failure: str,
    interval_s: float = POLL_INTERVAL_S,
) -> None:
    """Poll ``condition`` until it holds; raise ``DeadlineExceeded(failure)`` after the deadline."""
    end = time.monotonic() + deadline_s
    while True:
        if condition():
            return
        if time.monotonic() >= end:
            raise DeadlineExceeded(f"{failure} (after {deadline_s:.0f} s)")
        time.sleep(interval_s)
