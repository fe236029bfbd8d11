"""Which seeded customer each virtual user is.

Numbers are handed out from ``first`` upwards; with several worker processes each takes
every ``stride``-th number from its own ``offset``, so no two processes share a customer.
A stopped user gives its number back (a ramp down then up reuses customers instead of
running past the seeded pool).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from sandbox.loadtest.config import LAST_SEEDED_CUSTOMER


def customer_email(number: int) -> str:
    return f"customer{number:04d}@example.com"


def customer_password(number: int) -> str:
    return f"critter-pass-{number:04d}"


@dataclass
class CustomerPool:
    first: int
    offset: int = 0
    stride: int = 1
    last: int = LAST_SEEDED_CUSTOMER
    _next: int = field(init=False)
    _returned: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = self.first + self.offset

    def take(self) -> int | None:
        """The lowest free number, or None when the seeded pool is used up."""
        if self._returned:
            return heapq.heappop(self._returned)
        if self._next > self.last:
            return None
        number, self._next = self._next, self._next + self.stride
        return number

    def give_back(self, number: int) -> None:
        heapq.heappush(self._returned, number)
