"""A bound on a unit's work in both count and time: whichever runs out first ends it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Budget:
    """Shared by the concurrent workers of one unit; each asks before doing more work."""

    seconds: float
    max_count: int
    count: int = 0
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.max_count < 1:
            raise ValueError(f"a budget needs time and count: {self.seconds} s, {self.max_count}")

    @property
    def expired(self) -> bool:
        return time.monotonic() - self.started >= self.seconds

    def take(self, amount: int = 1) -> bool:
        """Reserve ``amount`` more units of work; False once time or count has run out."""
        if self.expired or self.count + amount > self.max_count:
            return False
        self.count += amount
        return True

    def elapsed(self) -> float:
        return time.monotonic() - self.started
