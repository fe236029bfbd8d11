"""In-process fan-out: each announced event reaches the open streams of its customer only.

Every replica runs one ``Hub``. Its listener hands it every announcement (every
customer's, from every replica's handlers: ``NOTIFY`` reaches all listeners), and
the hub offers the pre-rendered frame to the ``Subscriber`` objects of that
customer; nobody else's stream sees it. With ``broadcast=True`` (the ``global-sse``
defect) every stream is offered every event: the leak the harness must catch.

A ``Subscriber`` is the whole per-stream state, kept small on purpose (about 10,000
idle streams per process): no task and no queue object of its own, just a list of
frames that is created when an event arrives and emptied when it is sent, and one
future while the stream waits. Too many unsent frames (a stalled client) are
dropped in favour of reading them back from the database (``catch_up``), so a slow
client costs at most ``MAX_PENDING`` frames of memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from uuid import UUID

from services.storefront.sse.framing import Announcement

MAX_PENDING = 64

Frame = tuple[int, bytes]
_NONE: list[Subscriber] = []


class Subscriber:
    """The state of one open stream; the stream's own task is the only consumer."""

    __slots__ = ("catch_up", "closed", "customer_id", "last_id", "pending", "waiter")

    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.last_id = 0  # the newest event id this stream has sent (or skipped)
        self.pending: list[Frame] | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.catch_up = False  # read the database from last_id before sending pending frames
        self.closed = False

    def offer(self, event_id: int, frame: bytes | None) -> None:
        """A new event for this stream; ``frame`` None means "read it from the database"."""
        if self.closed:
            return
        pending = self.pending
        if frame is None or (pending is not None and len(pending) >= MAX_PENDING):
            self.request_catch_up()
            return
        if pending is None:
            self.pending = [(event_id, frame)]
        else:
            pending.append((event_id, frame))
        self.wake()

    def request_catch_up(self) -> None:
        self.catch_up = True
        self.pending = None
        self.wake()

    def take(self) -> list[Frame]:
        """The pending frames not yet sent, oldest first; empties the list."""
        pending, self.pending = self.pending, None
        if not pending:
            return []
        return [frame for frame in pending if frame[0] > self.last_id]

    def has_work(self) -> bool:
        return self.closed or self.catch_up or bool(self.pending)

    def close(self) -> None:
        self.closed = True
        self.wake()

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout_s: float) -> None:
        """Return when woken (an event, a close, a disconnect) or after ``timeout_s``."""
        if self.has_work():
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self.waiter = waiter
        timer = loop.call_later(timeout_s, self.wake)
        try:
            await waiter
        finally:
            timer.cancel()
            self.waiter = None


class Hub:
    """The open streams of this process, by customer."""

    def __init__(self, *, broadcast: bool = False) -> None:
        self.broadcast = broadcast
        self._by_customer: dict[UUID, list[Subscriber]] = {}
        self._count = 0
        self._closed = False

    def __len__(self) -> int:
        return self._count

    def subscribe(self, customer_id: UUID) -> Subscriber:
        subscriber = Subscriber(customer_id)
        if self._closed:
            subscriber.close()
        self._by_customer.setdefault(customer_id, []).append(subscriber)
        self._count += 1
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        streams = self._by_customer.get(subscriber.customer_id)
        if streams is None or subscriber not in streams:
            return
        streams.remove(subscriber)
        self._count -= 1
        if not streams:
            del self._by_customer[subscriber.customer_id]

    def deliver(self, announcement: Announcement) -> int:
        """Offer the announced event to its customer's streams; how many were offered it."""
        frame = announcement.frame()
        targets = self._everyone() if self.broadcast else self._of(announcement.customer_id)
        offered = 0
        for subscriber in targets:
            subscriber.offer(announcement.event_id, frame)
            offered += 1
        return offered

    def catch_up_all(self) -> None:
        """Announcements may have been missed (the listener reconnected): every stream
        reads the database from its last id."""
        for subscriber in self._everyone():
            subscriber.request_catch_up()

    def close(self) -> None:
        """End every stream (shutdown); later subscribers are closed at once."""
        self._closed = True
        for subscriber in self._everyone():
            subscriber.close()

    def _of(self, customer_id: UUID) -> list[Subscriber]:
        # No copy: offering only schedules wake-ups, it never changes the hub.
        return self._by_customer.get(customer_id, _NONE)

    def _everyone(self) -> Iterator[Subscriber]:
        for streams in list(self._by_customer.values()):
            yield from list(streams)
