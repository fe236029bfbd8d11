"""The Storefront's SSE streams in-process: framing, admission, routing, replay, shutdown.

``StreamService.serve`` is driven as a server would drive it, through ASGI ``receive``
and ``send`` callables (``FakeClient``); stored notifications come from an in-memory
source and live ones are handed to the hub as the listener would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.kernel.auth import ExpiredToken, InvalidToken, issue_token, verify_token
from services.kernel.errors import BadRequest, DatabaseUnavailable, NotFound
from services.kernel.retry import Backoff
from services.storefront.domain import EventType, Notification
from services.storefront.sse.admission import MethodNotAllowed, NotYourStream, admit
from services.storefront.sse.framing import (
    NOTIFY_LIMIT,
    Announcement,
    BadLastEventId,
    decode_announcement,
    encode_announcement,
    event_frame,
    parse_last_event_id,
    render_data,
)
from services.storefront.sse.hub import MAX_PENDING, Hub
from services.storefront.sse.listener import NotificationListener
from services.storefront.sse.stream import StreamOptions, StreamService
from tests.tokens import tampered

KEY = "unit-test-signing-key"
ALICE = UUID("11111111-1111-1111-1111-111111111111")
BOB = UUID("22222222-2222-2222-2222-222222222222")
NOW = datetime.now(UTC)


def token_for(customer: UUID, ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(customer, KEY, now=datetime.now(UTC), ttl=ttl)


def authenticate(token: str) -> UUID:
    return verify_token(token, KEY, now=datetime.now(UTC))


def notification(event_id: int, customer: UUID, status: str = "Placed") -> Notification:
    payload: dict[str, object] = {"orderId": str(uuid4()), "customerId": str(customer)}
    payload |= {"newStatus": status, "occurredAt": NOW.isoformat()}
    return Notification(event_id, customer, EventType.ORDER_STATUS_CHANGED, payload)


def announce(item: Notification) -> Announcement:
    data = render_data(item.type, item.payload)
    return decode_announcement(encode_announcement(item.customer_id, item.id, item.type, data))


# -- framing -------------------------------------------------------------------------------


def test_an_event_frame_has_id_type_and_one_line_of_json() -> None:
    data = render_data(EventType.CART_UPDATED, {"note": "two\nlines", "itemCount": 2})
    frame = event_frame(7, "cart-updated", data).decode()
    assert frame.endswith("\n\n")
    lines = frame.rstrip("\n").split("\n")
    assert lines[:2] == ["id: 7", "event: cart-updated"]
    assert len(lines) == 3
    body = json.loads(lines[2].removeprefix("data: "))
    assert body == {"eventType": "cart-updated", "note": "two\nlines", "itemCount": 2}


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), (" 42 ", 42), ("0", 0)])
def test_last_event_id_is_a_non_negative_integer_or_absent(
    raw: str | None, expected: int | None
) -> None:
    assert parse_last_event_id(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "abc", "1.5", "9" * 19, "١٢"])
def test_a_foreign_last_event_id_is_refused(raw: str) -> None:
    with pytest.raises(BadLastEventId):
        parse_last_event_id(raw)


def test_an_announcement_carries_the_frame_and_falls_back_to_the_id_when_too_long() -> None:
    item = notification(5, ALICE)
    decoded = announce(item)
    assert (decoded.customer_id, decoded.event_id) == (ALICE, 5)
    assert decoded.frame() == event_frame(5, item.type.value, render_data(item.type, item.payload))
    huge = encode_announcement(ALICE, 6, EventType.CART_UPDATED, "x" * NOTIFY_LIMIT)
    assert huge == f"{ALICE}:6"
    assert decode_announcement(huge).frame() is None
    with pytest.raises(ValueError, match="unexpected"):
        decode_announcement("hello")


# -- admission -----------------------------------------------------------------------------


def headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(name.replace("_", "-").encode(), value.encode()) for name, value in values.items()]


def test_the_customer_comes_from_the_token_in_the_header_or_the_query() -> None:
    by_header = admit(
        "GET",
        "/sse/storefront",
        headers(authorization=f"Bearer {token_for(ALICE)}"),
        b"",
        authenticate,
    )
    assert by_header.customer_id == ALICE
    query = f"access_token={token_for(BOB)}&lastEventId=9".encode()
    by_query = admit("GET", "/sse/storefront", [], query, authenticate)
    assert (by_query.customer_id, by_query.last_event_id) == (BOB, 9)


def test_no_forged_or_expired_token_is_401() -> None:
    forged = tampered(token_for(ALICE))
    expired = issue_token(
        ALICE, KEY, now=datetime.now(UTC) - timedelta(hours=2), ttl=timedelta(hours=1)
    )
    with pytest.raises(InvalidToken):
        admit("GET", "/sse/storefront", [], b"", authenticate)
    with pytest.raises(InvalidToken):
        admit(
            "GET", "/sse/storefront", headers(authorization=f"Bearer {forged}"), b"", authenticate
        )
    with pytest.raises(ExpiredToken):
        admit("GET", "/sse/storefront", [], f"access_token={expired}".encode(), authenticate)
    # a customerId in the query names nobody: the token does
    with pytest.raises(InvalidToken):
        admit("GET", "/sse/storefront", [], f"customerId={ALICE}".encode(), authenticate)


def test_only_the_own_named_stream_is_allowed() -> None:
    auth = headers(authorization=f"Bearer {token_for(ALICE)}", last_event_id="3")
    own = admit("GET", f"/sse/storefront/customers/{ALICE}", auth, b"", authenticate)
    assert (own.customer_id, own.last_event_id) == (ALICE, 3)
    with pytest.raises(NotYourStream):
        admit("GET", f"/sse/storefront/customers/{BOB}", auth, b"", authenticate)
    with pytest.raises(BadRequest):
        admit("GET", "/sse/storefront/customers/not-a-uuid", auth, b"", authenticate)
    with pytest.raises(NotFound):
        admit("GET", "/sse/storefront-other", auth, b"", authenticate)
    with pytest.raises(MethodNotAllowed):
        admit("POST", "/sse/storefront", auth, b"", authenticate)


# -- the hub -------------------------------------------------------------------------------


def test_the_hub_offers_an_event_to_its_customers_streams_only() -> None:
    hub = Hub()
    alice_phone, alice_laptop, bob = hub.subscribe(ALICE), hub.subscribe(ALICE), hub.subscribe(BOB)
    assert hub.deliver(announce(notification(1, ALICE))) == 2
    assert [frame[0] for frame in alice_phone.take()] == [1]
    assert [frame[0] for frame in alice_laptop.take()] == [1]
    assert bob.take() == []
    hub.unsubscribe(alice_phone)
    hub.unsubscribe(alice_laptop)
    assert hub.deliver(announce(notification(2, ALICE))) == 0
    assert len(hub) == 1


def test_the_global_sse_defect_offers_every_event_to_every_stream() -> None:
    hub = Hub(broadcast=True)
    bob = hub.subscribe(BOB)
    hub.deliver(announce(notification(1, ALICE)))
    assert [frame[0] for frame in bob.take()] == [1]


def test_a_stream_that_falls_behind_reads_the_database_instead() -> None:
    hub = Hub()
    slow = hub.subscribe(ALICE)
    for event_id in range(1, MAX_PENDING + 2):
        hub.deliver(announce(notification(event_id, ALICE)))
    assert slow.catch_up
    assert slow.take() == []
    slow.catch_up = False
    hub.deliver(Announcement(ALICE, 100))  # too long for NOTIFY: no frame
    assert slow.catch_up


def test_frames_already_sent_are_not_sent_again() -> None:
    hub = Hub()
    stream = hub.subscribe(ALICE)
    stream.last_id = 5
    for event_id in (4, 5, 6):
        hub.deliver(announce(notification(event_id, ALICE)))
    assert [frame[0] for frame in stream.take()] == [6]


# -- whole streams -------------------------------------------------------------------------


class MemorySource:
    def __init__(self, rows: list[Notification] | None = None, *, down: bool = False) -> None:
        self.rows = rows or []
        self.down = down

    async def latest_id(self, customer_id: UUID | None) -> int:
        if self.down:
            raise DatabaseUnavailable("connecting: ConnectionRefusedError")
        ids = [r.id for r in self.rows if customer_id is None or r.customer_id == customer_id]
        return max(ids, default=0)

    async def since(
        self, customer_id: UUID | None, after_id: int, limit: int
    ) -> list[Notification]:
        if self.down:
            raise DatabaseUnavailable("connecting: ConnectionRefusedError")
        found = [r for r in self.rows if r.id > after_id and customer_id in (None, r.customer_id)]
        return sorted(found, key=lambda r: r.id)[:limit]


class FakeClient:
    """One HTTP exchange as the server sees it: ``receive`` blocks until ``leave()``."""

    def __init__(self, path: str = "/sse/storefront", **header_values: str) -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "method": "GET",
            "path": path,
            "headers": headers(**header_values),
            "query_string": b"",
        }
        self.messages: list[MutableMapping[str, Any]] = []
        self._gone = asyncio.Event()
        self._changed = asyncio.Event()
        self._body_sent = False

    async def receive(self) -> dict[str, Any]:
        if not self._body_sent:
            self._body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.messages.append(message)
        self._changed.set()

    def leave(self) -> None:
        self._gone.set()

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def text(self) -> str:
        return b"".join(m.get("body", b"") for m in self.messages[1:]).decode()

    def event_ids(self) -> list[int]:
        return [int(line[4:]) for line in self.text.splitlines() if line.startswith("id: ")]

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        async with asyncio.timeout(5):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


def streams(
    source: MemorySource, *, broadcast: bool = False, heartbeat_s: float = 15.0
) -> StreamService:
    return StreamService(
        hub=Hub(broadcast=broadcast),
        source=lambda: source,
        authenticate=authenticate,
        options=StreamOptions(heartbeat_s=heartbeat_s, replay_batch=2),
    )


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(10):
            await scenario()

    asyncio.run(bounded())


def test_a_stream_without_a_valid_token_is_a_401_problem() -> None:
    async def scenario() -> None:
        service = streams(MemorySource())
        for client in (FakeClient(), FakeClient(authorization="Bearer not.a.token")):
            await service.serve(client.scope, client.receive, client.send)
            assert client.status == 401
            assert json.loads(client.text)["status"] == 401
            assert (b"www-authenticate", b"Bearer") in client.messages[0]["headers"]
        assert len(service.hub) == 0

    run(scenario)


def test_two_customers_each_see_only_their_own_events() -> None:
    async def scenario() -> None:
        service = streams(MemorySource())
        alice = FakeClient(authorization=f"Bearer {token_for(ALICE)}")
        bob = FakeClient(authorization=f"Bearer {token_for(BOB)}")
        tasks = [
            asyncio.create_task(service.serve(c.scope, c.receive, c.send)) for c in (alice, bob)
        ]
        await alice.until(lambda: len(service.hub) == 2 and len(alice.messages) > 1, "connected")
        await bob.until(lambda: len(bob.messages) > 1, "bob connected")
        service.hub.deliver(announce(notification(1, ALICE)))
        service.hub.deliver(announce(notification(2, BOB)))
        service.hub.deliver(announce(notification(3, ALICE, "Confirmed")))
        await alice.until(lambda: alice.event_ids() == [1, 3], "alice's events")
        await bob.until(lambda: bob.event_ids() == [2], "bob's event")
        assert str(BOB) not in alice.text
        assert str(ALICE) not in bob.text
        alice.leave()
        bob.leave()
        await asyncio.gather(*tasks)
        assert len(service.hub) == 0

    run(scenario)


def test_the_global_sse_defect_leaks_other_customers_events() -> None:
    async def scenario() -> None:
        service = streams(MemorySource(), broadcast=True)
        bob = FakeClient(authorization=f"Bearer {token_for(BOB)}")
        task = asyncio.create_task(service.serve(bob.scope, bob.receive, bob.send))
        await bob.until(lambda: len(bob.messages) > 1, "connected")
        service.hub.deliver(announce(notification(1, ALICE)))
        await bob.until(lambda: bob.event_ids() == [1], "alice's event on bob's stream")
        bob.leave()
        await task

    run(scenario)


def test_last_event_id_replays_what_was_missed_then_continues_live_without_repeats() -> None:
    async def scenario() -> None:
        stored = [notification(1, ALICE), notification(2, BOB), notification(3, ALICE)]
        stored += [notification(4, ALICE), notification(6, ALICE)]
        service = streams(MemorySource(stored))
        client = FakeClient(authorization=f"Bearer {token_for(ALICE)}", last_event_id="1")
        task = asyncio.create_task(service.serve(client.scope, client.receive, client.send))
        await client.until(lambda: client.event_ids() == [3, 4, 6], "the replay")
        for event_id in (4, 6, 7):  # 4 and 6 were replayed; their announcements come late
            service.hub.deliver(announce(notification(event_id, ALICE)))
        await client.until(lambda: client.event_ids() == [3, 4, 6, 7], "the live event")
        client.leave()
        await task

    run(scenario)


def test_a_fresh_stream_starts_after_the_customers_newest_event() -> None:
    async def scenario() -> None:
        service = streams(MemorySource([notification(5, ALICE)]))
        client = FakeClient(authorization=f"Bearer {token_for(ALICE)}")
        task = asyncio.create_task(service.serve(client.scope, client.receive, client.send))
        await client.until(lambda: len(client.messages) > 1, "connected")
        service.hub.deliver(announce(notification(5, ALICE)))  # committed before it connected
        service.hub.deliver(announce(notification(6, ALICE)))
        await client.until(lambda: client.event_ids() == [6], "the new event only")
        assert "retry: 1000" in client.text
        client.leave()
        await task

    run(scenario)


def test_an_idle_stream_gets_heartbeats_and_ends_when_the_server_stops() -> None:
    async def scenario() -> None:
        service = streams(MemorySource(), heartbeat_s=0.05)
        client = FakeClient(authorization=f"Bearer {token_for(ALICE)}")
        task = asyncio.create_task(service.serve(client.scope, client.receive, client.send))
        await client.until(lambda: client.text.count(": keep-alive") >= 2, "two heartbeats")
        service.hub.close()
        await task
        assert client.messages[-1] == {
            "type": "http.response.body",
            "body": b"",
            "more_body": False,
        }
        assert len(service.hub) == 0

    run(scenario)


def test_the_database_unreachable_at_connect_is_a_503_and_no_stream() -> None:
    async def scenario() -> None:
        service = streams(MemorySource(down=True))
        client = FakeClient(authorization=f"Bearer {token_for(ALICE)}")
        await service.serve(client.scope, client.receive, client.send)
        assert client.status == 503
        assert "database" in json.loads(client.text)["detail"]
        assert len(service.hub) == 0

    run(scenario)


def test_a_stream_that_cannot_catch_up_ends_so_the_client_reconnects() -> None:
    async def scenario() -> None:
        source = MemorySource()
        service = streams(source)
        client = FakeClient(authorization=f"Bearer {token_for(ALICE)}")
        task = asyncio.create_task(service.serve(client.scope, client.receive, client.send))
        await client.until(lambda: len(client.messages) > 1, "connected")
        source.down = True
        service.hub.catch_up_all()  # as after the listener reconnected
        await task
        assert client.messages[-1]["more_body"] is False

    run(scenario)


# -- the listener --------------------------------------------------------------------------


class FakeListenConnection:
    """What ``NotificationListener`` uses of an asyncpg connection."""

    def __init__(self) -> None:
        self.on_terminate: Callable[[object], None] | None = None
        self.on_notify: Callable[[object, int, str, str], None] | None = None
        self.closed = False

    def add_termination_listener(self, callback: Callable[[object], None]) -> None:
        self.on_terminate = callback

    async def add_listener(self, channel: str, callback: Callable[..., None]) -> None:
        assert channel == "storefront_events"
        self.on_notify = callback

    async def fetchval(self, query: str) -> int:
        return 1

    async def close(self) -> None:
        self.closed = True

    def terminate(self) -> None:
        self.closed = True


def test_the_listener_feeds_the_hub_and_catches_streams_up_after_every_reconnect() -> None:
    async def scenario() -> None:
        hub = Hub()
        stream = hub.subscribe(ALICE)
        opened: list[FakeListenConnection] = []
        attempts: list[int] = []

        async def connect() -> FakeListenConnection:
            attempts.append(len(attempts) + 1)
            if len(attempts) == 2:
                raise ConnectionRefusedError("database restarting")  # one failed attempt
            opened.append(FakeListenConnection())
            return opened[-1]

        reconnects: list[int] = []
        backoff = Backoff(initial_s=0.01, cap_s=0.01)
        listener = NotificationListener(
            connect,
            hub,
            on_reconnect=lambda: reconnects.append(len(opened)),
            ping_interval_s=0.01,
            backoff=backoff,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(listener.run(stop))
        await listener.listening.wait()
        assert reconnects == []  # the first connect is not a reconnect
        assert stream.catch_up  # whatever was announced before LISTEN is read from the table
        stream.catch_up = False
        item = notification(1, ALICE)
        data = render_data(item.type, item.payload)
        assert opened[0].on_notify is not None
        opened[0].on_notify(None, 1, "storefront_events", f"{ALICE}:1:{item.type.value}:{data}")
        opened[0].on_notify(None, 1, "storefront_events", "not ours")
        assert [frame[0] for frame in stream.take()] == [1]
        assert opened[0].on_terminate is not None
        opened[0].on_terminate(opened[0])  # the connection died
        while len(opened) < 2 or not listener.listening.is_set():
            await asyncio.sleep(0.01)
        assert opened[0].closed
        assert stream.catch_up  # announcements of the gap are read from the table
        assert reconnects == [2]  # the failed attempt in between is not counted
        stop.set()
        await task
        assert opened[1].closed

    run(scenario)
