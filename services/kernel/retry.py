"""Retrying a connection attempt with capped exponential back-off.

Both the database pool and the broker connection are opened in background
tasks by ``retry_until_done`` so the HTTP server (and ``/health/live``) is up
at once while PostgreSQL or RabbitMQ may still be starting. The pause between
attempts waits on the caller's ``stop`` event, so shutdown never waits for a
back-off to expire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from services.kernel.logs import describe_error

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Pause between attempts: ``initial_s``, multiplied by ``factor``, at most ``cap_s``.

    The default gives 0.2, 0.4, 0.5, 0.5, ... seconds: dependencies are local, an attempt
    costs a millisecond, and a short cap lets a service turn ready within half a second
    of its broker or database (a 2 s cap cost about 1.5 s of every ``sandbox up``).
    """

    initial_s: float = 0.2
    factor: float = 2.0
    cap_s: float = 0.5

    def __post_init__(self) -> None:
        if self.initial_s <= 0 or self.factor < 1 or self.cap_s < self.initial_s:
            raise ValueError(f"invalid back-off {self!r}")

    def delays(self) -> Iterator[float]:
        """An endless sequence of pauses following this policy."""
        delay = self.initial_s
        while True:
            yield delay
            delay = min(delay * self.factor, self.cap_s)


async def wait_for_event(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait until ``event`` is set or ``timeout_s`` passes; True if it was set."""
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def retry_until_done(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    stop: asyncio.Event,
    backoff: Backoff,
    transient: tuple[type[BaseException], ...],
    logger: logging.Logger,
    on_failure: Callable[[BaseException], None] | None = None,
) -> T | None:
    """Await ``attempt()`` until it succeeds and return its result.

    A ``transient`` error is logged as one warning line; any other exception is
    logged with its traceback the first time it is seen (then as one line) and
    retried as well, so the process stays live and its readiness endpoint can
    report the cause. ``on_failure`` sees every error. Returns None when ``stop``
    is set before an attempt succeeds.
    """
    delays = backoff.delays()
    failures = 0
    seen_unexpected: set[str] = set()
    while not stop.is_set():
        try:
            result = await attempt()
        except Exception as exc:
            failures += 1
            if on_failure is not None:
                on_failure(exc)
            delay = next(delays)
            summary = describe_error(exc)
            unexpected = not isinstance(exc, transient)
            logger.log(
                logging.ERROR if unexpected else logging.WARNING,
                "%s failed (attempt %d): %s; retrying in %.1f s",
                what,
                failures,
                summary,
                delay,
                exc_info=unexpected and summary not in seen_unexpected,
            )
            if unexpected:
                seen_unexpected.add(summary)
            if await wait_for_event(stop, delay):
                return None
        else:
            if failures:
                logger.info("%s succeeded after %d failed attempts", what, failures)
            return result
    return None
