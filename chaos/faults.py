"""Faults as typed values: what to break, where, when and for how long.

A fault is pure data; the injectors (``chaos.process_faults``, ``chaos.network``,
``chaos.delivery``) apply one and always roll it back. ``at_s`` counts from the start of
the workload; ``duration_s`` is how long the fault holds (0 for a one-shot restart/kill).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ProcessAction(StrEnum):
    RESTART = "restart"  # graceful stop, then start
    KILL = "kill"  # SIGKILL; the supervisor (or the rollback) starts it again
    PAUSE = "pause"  # SIGSTOP for duration_s, then SIGCONT


class ToxicKind(StrEnum):
    """Toxiproxy's toxics, plus ``down``: the proxy disabled (every connection cut)."""

    LATENCY = "latency"
    BANDWIDTH = "bandwidth"
    TIMEOUT = "timeout"
    RESET_PEER = "reset_peer"
    SLOW_CLOSE = "slow_close"
    SLICER = "slicer"
    LIMIT_DATA = "limit_data"
    DOWN = "down"


class Stream(StrEnum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"


# The attributes each toxic takes, with Toxiproxy's own names; values are integers.
TOXIC_ATTRIBUTES: dict[ToxicKind, frozenset[str]] = {
    ToxicKind.LATENCY: frozenset({"latency", "jitter"}),
    ToxicKind.BANDWIDTH: frozenset({"rate"}),
    ToxicKind.TIMEOUT: frozenset({"timeout"}),
    ToxicKind.RESET_PEER: frozenset({"timeout"}),
    ToxicKind.SLOW_CLOSE: frozenset({"delay"}),
    ToxicKind.SLICER: frozenset({"average_size", "size_variation", "delay"}),
    ToxicKind.LIMIT_DATA: frozenset({"bytes"}),
    ToxicKind.DOWN: frozenset(),
}


@dataclass(frozen=True)
class ProcessFault:
    action: ProcessAction
    target: str  # a component: rabbitmq, postgres, toxiproxy or a service
    at_s: float
    duration_s: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.action.value} {self.target}"


@dataclass(frozen=True)
class NetworkFault:
    kind: ToxicKind
    links: tuple[str, ...]  # concrete Toxiproxy proxy names, e.g. "orders->rabbitmq"
    at_s: float
    duration_s: float
    attributes: dict[str, int] = field(default_factory=dict)
    stream: Stream = Stream.DOWNSTREAM
    toxicity: float = 1.0

    @property
    def label(self) -> str:
        where = self.links[0] if len(self.links) == 1 else f"{len(self.links)} links"
        return f"{self.kind.value} on {where}"


@dataclass(frozen=True)
class DeliveryFault:
    """The broker delivers every event published during the window a second time (same
    message id), as at-least-once delivery may after a lost acknowledgement."""

    at_s: float
    duration_s: float

    @property
    def label(self) -> str:
        return "duplicate delivery"


Fault = ProcessFault | NetworkFault | DeliveryFault
