"""The text/event-stream wire format, and the NOTIFY payload that carries an event.

Pure functions, no I/O. An event on the stream is::

    id: 42
    event: order-status-changed
    data: {"eventType":"order-status-changed","orderId":"...","newStatus":"Placed",...}

followed by an empty line. ``data`` is one line of compact JSON (JSON escapes line
breaks inside strings, so it never spans lines) and repeats the type as ``eventType``
for clients that read every event through ``onmessage``. Comments (``: ...``) keep an
idle stream alive; ``retry:`` tells EventSource how soon to reconnect.

Between replicas an event travels as ``NOTIFY storefront_events,
'<customerId>:<id>:<type>:<data JSON>'``, so every replica can send it without reading
the database. A payload too long for NOTIFY (8000 bytes) is sent as just
``'<customerId>:<id>'``; receivers then read the row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from services.kernel.errors import BadRequest
from services.storefront.domain import EventType

CHANNEL = "storefront_events"
NOTIFY_LIMIT = 7900  # PostgreSQL refuses payloads of 8000 bytes or more
MAX_EVENT_ID_DIGITS = 18  # below 2**63: a bigserial


class BadLastEventId(BadRequest):
    """``Last-Event-ID`` is not an event id of this stream (a non-negative integer)."""


def render_data(event_type: EventType, payload: Mapping[str, object]) -> str:
    """The one-line JSON ``data`` of an event."""
    return json.dumps({"eventType": event_type.value, **payload}, separators=(",", ":"))


def event_frame(event_id: int, event_type: str, data: str) -> bytes:
    return f"id: {event_id}\nevent: {event_type}\ndata: {data}\n\n".encode()


def comment_frame(text: str) -> bytes:
    return f": {text}\n\n".encode()


def retry_frame(milliseconds: int) -> bytes:
    return f"retry: {milliseconds}\n\n".encode()


def parse_last_event_id(raw: str | None) -> int | None:
    """The id a reconnecting client last saw; None when it sent none (or an empty one)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > MAX_EVENT_ID_DIGITS:
        raise BadLastEventId("Last-Event-ID must be an event id of this stream")
    return int(text)


@dataclass(frozen=True)
class Announcement:
    """A decoded NOTIFY payload; ``data`` is None when the sender left it in the table."""

    customer_id: UUID
    event_id: int
    event_type: str | None = None
    data: str | None = None

    def frame(self) -> bytes | None:
        if self.event_type is None or self.data is None:
            return None
        return event_frame(self.event_id, self.event_type, self.data)


def encode_announcement(customer_id: UUID, event_id: int, event_type: EventType, data: str) -> str:
    full = f"{customer_id}:{event_id}:{event_type.value}:{data}"
    if len(full.encode()) <= NOTIFY_LIMIT:
        return full
    return f"{customer_id}:{event_id}"


def decode_announcement(payload: str) -> Announcement:
    """Parse a NOTIFY payload; ValueError if it is not one of ours."""
    parts = payload.split(":", 3)
    if len(parts) not in (2, 4):
        raise ValueError(f"unexpected payload shape: {payload[:80]!r}")
    customer_id, event_id = UUID(parts[0]), int(parts[1])
    if len(parts) == 2:
        return Announcement(customer_id, event_id)
    return Announcement(customer_id, event_id, EventType(parts[2]).value, parts[3])
