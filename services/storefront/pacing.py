"""How long to wait before first asking Orders to complete a new checkout.

Orders learns of a checkout from Shopping's CheckoutInitiated message, tens to hundreds
of milliseconds after Shopping answered; every ``complete`` sent before that is a 404
that cost both services a request. ``ArrivalPacer`` keeps a moving average of how long
the message took (as seen by the successful attempt) and waits ``share`` of it before
the first attempt. Waiting too long corrects itself: the first attempt then succeeds
at once, and the average shrinks towards the real delay.
"""

from __future__ import annotations


class ArrivalPacer:
    def __init__(self, *, share: float = 0.6, cap_s: float = 0.5, weight: float = 0.2) -> None:
        if not (0 <= share < 1 and cap_s >= 0 and 0 < weight <= 1):
            raise ValueError("invalid pacing")
        self._share = share
        self._cap_s = cap_s
        self._weight = weight
        self._typical_s = 0.0

    @property
    def typical_s(self) -> float:
        return self._typical_s

    def first_wait_s(self) -> float:
        return min(self._typical_s * self._share, self._cap_s)

    def arrived_after(self, elapsed_s: float) -> None:
        """A checkout was known to Orders ``elapsed_s`` after Shopping started it."""
        self._typical_s += self._weight * (max(elapsed_s, 0.0) - self._typical_s)
