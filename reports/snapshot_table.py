"""The live-figure snapshots of a run as one table: a row per figure, a column per moment.

Both the HTML and the Markdown report show this table. Totals come first (queued, dead
letters, idle inboxes, outbox, stuck sagas, SSE streams), then the queues and outboxes that
held anything at some moment, so a quiet system stays a short table. A total whose parts
did not answer at that moment shows "?" rather than a reassuring 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.model import MetricSnapshot

UNKNOWN = "?"


@dataclass(frozen=True)
class SnapshotTable:
    header: list[str]  # "figure", then one per snapshot
    rows: list[list[str]]


def _queues(snapshot: MetricSnapshot, suffix: str, figure: str) -> list[float] | None:
    if not snapshot.queues:
        return None
    return [f.get(figure, 0.0) for q, f in snapshot.queues.items() if q.endswith(suffix)]


def _services(snapshot: MetricSnapshot, figure: str) -> list[float] | None:
    values = [f[figure] for f in snapshot.services.values() if figure in f]
    return values if snapshot.services else None


def _count(values: list[float] | None) -> str:
    return UNKNOWN if values is None else f"{sum(values):,.0f}"


def _idle_inboxes(snapshot: MetricSnapshot) -> str:
    consumers = _queues(snapshot, ".inbox", "consumers")
    return _count(None if consumers is None else [1.0 for n in consumers if n == 0])


def _oldest_outbox_row(snapshot: MetricSnapshot) -> str:
    ages = _services(snapshot, "outbox_age_s")
    return UNKNOWN if ages is None else f"{max(ages, default=0.0):.1f} s"


_TOTALS: tuple[tuple[str, Callable[[MetricSnapshot], str]], ...] = (
    ("messages in inboxes", lambda s: _count(_queues(s, ".inbox", "messages"))),
    ("dead letters", lambda s: _count(_queues(s, ".dead-letter", "messages"))),
    ("inboxes without a consumer", _idle_inboxes),
    ("outbox rows", lambda s: _count(_services(s, "outbox"))),
    ("oldest outbox row", _oldest_outbox_row),
    ("stuck sagas", lambda s: _count(_services(s, "stuck_sagas"))),
    ("SSE streams", lambda s: _count(_services(s, "sse_streams"))),
)


def snapshot_table(snapshots: Sequence[MetricSnapshot]) -> SnapshotTable | None:
    """The table, or None when the run kept no snapshot (results before schema 3)."""
    if not snapshots:
        return None
    header = ["figure", *(f"{s.label} ({s.at_s:+.1f} s)" for s in snapshots)]
    rows = [[name, *(cell(s) for s in snapshots)] for name, cell in _TOTALS]
    queues = sorted({q for s in snapshots for q, f in s.queues.items() if f.get("messages")})
    for queue in queues:
        rows.append([f"messages in {queue}", *(_queue_cell(s, queue) for s in snapshots)])
    outboxes = sorted({c for s in snapshots for c, f in s.services.items() if f.get("outbox")})
    for component in outboxes:
        rows.append(
            [f"outbox rows of {component}", *(_outbox_cell(s, component) for s in snapshots)]
        )
    rows.append(["parts not answering", *(", ".join(s.unreadable) or "-" for s in snapshots)])
    return SnapshotTable(header, rows)


def _queue_cell(snapshot: MetricSnapshot, queue: str) -> str:
    if not snapshot.queues:
        return UNKNOWN
    return f"{snapshot.queues.get(queue, {}).get('messages', 0.0):,.0f}"


def _outbox_cell(snapshot: MetricSnapshot, component: str) -> str:
    figures = snapshot.services.get(component)
    return UNKNOWN if figures is None or "outbox" not in figures else f"{figures['outbox']:,.0f}"
