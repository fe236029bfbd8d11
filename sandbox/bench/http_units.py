"""The `http` and `sse` units against the bench server, with aiohttp as the client (keep-alive
connections, several requests in flight, as the Storefront calls the other contexts).

`http` alternates a small GET and a small POST; the server's CPU per request and the
client's CPU per call are reported apart, as the ceiling pays each HTTP request on both
sides. `sse` reads whole streams of small events (a stream always ends with every event
read, so the server never counts events nobody read); its cost is server + client."""

from __future__ import annotations

import asyncio

import aiohttp

from sandbox.bench.budget import Budget
from sandbox.bench.cpu import Part, own_process, sample, used_between
from sandbox.bench.result import UnitResult
from sandbox.bench.server import BenchServer

HTTP_CONCURRENCY = 8
SSE_STREAMS = 4
EVENTS_PER_STREAM = 500
REQUEST_TIMEOUT_S = 30.0
ORDER_LINE = {
    "customer": "customer0001@example.com",
    "sku": "SKU-1",
    "quantity": 2,
    "price_cents": 499,
    "note": "bench",
}


class UnexpectedAnswer(Exception):
    """The bench server answered something other than what it always answers."""


def _session(server: BenchServer, connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=server.url,
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


async def _call(session: aiohttp.ClientSession, number: int) -> None:
    if number % 2:
        answer = session.get(f"/items/{number}")
    else:
        answer = session.post("/orders", json=ORDER_LINE)
    async with answer as response:
        body = await response.json()
        if response.status != 200 or "id" not in body:
            raise UnexpectedAnswer(f"{response.method} {response.url}: {response.status} {body}")


async def _call_until_spent(session: aiohttp.ClientSession, budget: Budget) -> None:
    while budget.take():
        await _call(session, budget.count)


async def measure_http(
    server: BenchServer, seconds: float, max_count: int
) -> tuple[UnitResult, UnitResult]:
    """(server CPU per request, client CPU per call)."""
    parts = [own_process("client"), Part("server", server.pid, tree=False)]
    async with _session(server, HTTP_CONCURRENCY) as session:
        # Open every keep-alive connection first: connecting is not what is measured.
        await asyncio.gather(*(_call(session, n) for n in range(HTTP_CONCURRENCY)))
        before = sample(parts)
        budget = Budget(seconds, max_count)
        await asyncio.gather(*(_call_until_spent(session, budget) for _ in range(HTTP_CONCURRENCY)))
        elapsed, after = budget.elapsed(), sample(parts)
    used = used_between(before, after)
    return (
        UnitResult("http_server", budget.count, elapsed, {"server": used["server"] * 1000}),
        UnitResult("http_client", budget.count, elapsed, {"client": used["client"] * 1000}),
    )


async def _read_stream(session: aiohttp.ClientSession, events: int) -> None:
    received = 0
    async with session.get("/events", params={"count": str(events)}) as response:
        if response.status != 200:
            raise UnexpectedAnswer(f"GET /events: {response.status}")
        async for line in response.content:
            if line.startswith(b"data:"):
                received += 1
    if received != events:
        raise UnexpectedAnswer(f"an SSE stream of {events} events delivered {received}")


async def _stream_until_spent(session: aiohttp.ClientSession, budget: Budget) -> None:
    while budget.take(EVENTS_PER_STREAM):
        await _read_stream(session, EVENTS_PER_STREAM)


async def measure_sse(server: BenchServer, seconds: float, max_count: int) -> UnitResult:
    parts = [own_process("client"), Part("server", server.pid, tree=False)]
    async with _session(server, SSE_STREAMS) as session:
        await asyncio.gather(*(_read_stream(session, 1) for _ in range(SSE_STREAMS)))
        before = sample(parts)
        budget = Budget(seconds, max(max_count, EVENTS_PER_STREAM))
        await asyncio.gather(*(_stream_until_spent(session, budget) for _ in range(SSE_STREAMS)))
        elapsed, after = budget.elapsed(), sample(parts)
    cpu_ms = {part: used * 1000 for part, used in used_between(before, after).items()}
    return UnitResult("sse_event", budget.count, elapsed, cpu_ms)
