"""What the virtual users of one generating process share: the config, the tally, and
the controller's two signals (``draining``: start nothing new; ``released``: burst
checkouts may go). In a worker process the signals arrive as Locust messages from the
master; in a single process the controller sets them directly."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from typing import Any

from gevent.event import Event  # type: ignore[import-untyped]
from gevent.pool import Group  # type: ignore[import-untyped]

from sandbox.loadtest.config import LoadConfig
from sandbox.loadtest.customers import CustomerPool
from sandbox.loadtest.tally import Tally

# Beyond duration + completion timeout, for spawning and stopping: a stream never lives longer.
STREAM_LIFETIME_MARGIN_S = 30.0


def own_cpu_s() -> float:
    """CPU seconds (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class RunContext:
    config: LoadConfig
    worker_index: int = 0
    worker_count: int = 1
    tally: Tally = field(default_factory=Tally)
    draining: Any = field(default_factory=Event)
    released: Any = field(default_factory=Event)
    streams: Any = field(default_factory=Group)  # every stream greenlet, killed at the end
    created: float = field(default_factory=time.monotonic)
    _pool: CustomerPool | None = None
    _burst_slots: int | None = None

    @property
    def deadline(self) -> float:
        """time.monotonic() after which no user or stream of this process has work left."""
        run_s = self.config.duration_s + self.config.completion_timeout_s
        return self.created + run_s + STREAM_LIFETIME_MARGIN_S

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def customers(self) -> CustomerPool:
        if self._pool is None:
            self._pool = CustomerPool(
                self.config.first_customer, offset=self.worker_index, stride=self.worker_count
            )
        return self._pool

    def take_burst_slot(self) -> bool:
        """Whether the asking user is one of this process's share of the burst."""
        if self._burst_slots is None:
            share, extra = divmod(self.config.burst, self.worker_count)
            self._burst_slots = share + (1 if self.worker_index < extra else 0)
        if self._burst_slots <= 0:
            return False
        self._burst_slots -= 1
        self.tally.burst_takers += 1
        return True

    def stop_streams(self) -> None:
        self.streams.kill(block=True, timeout=5)
