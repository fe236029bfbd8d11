"""New identifiers: UUIDv7 (RFC 9562, time-ordered), shared by every service."""

from __future__ import annotations

import os
import time
from uuid import UUID

_RAND_A_BITS = 12
_RAND_B_BITS = 62


def uuid7() -> UUID:
    """A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids
    sort by creation time and index inserts stay at the right edge of the B-tree."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> (80 - _RAND_A_BITS)
    rand_b = rand & ((1 << _RAND_B_BITS) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return UUID(int=value)
