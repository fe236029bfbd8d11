"""The aiohttp sender against a real server on 127.0.0.1, through the Storefront's
error mapping: no answer or a timeout -> 503, a 404 relayed, a garbage body -> 502."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from pydantic import BaseModel

from services.kernel.errors import DependencyUnavailable, NotFound
from services.kernel.http_client import NoAnswer, open_sender
from services.storefront.clients.base import Upstream, UpstreamFailed, UpstreamUnavailable

Test = Callable[[str, asyncio.Event], Awaitable[None]]


class Thing(BaseModel):
    name: str


async def _thing(_request: web.Request) -> web.Response:
    return web.json_response({"name": "bowl"})


async def _missing(_request: web.Request) -> web.Response:
    problem = {"title": "Not Found", "status": 404, "detail": "no thing X"}
    return web.json_response(problem, status=404, content_type="application/problem+json")


async def _garbage(_request: web.Request) -> web.Response:
    return web.Response(body=b"<html>oops", content_type="application/json")


async def _busy(_request: web.Request) -> web.Response:
    return web.Response(status=503, text="busy")


async def _echo(request: web.Request) -> web.Response:
    body = await request.json()
    query = dict(request.query)
    return web.json_response({"body": body, "query": query, "auth": request.headers["X-Auth"]})


@asynccontextmanager
async def serving(release: asyncio.Event) -> AsyncIterator[str]:
    """A tiny upstream on a free port; ``/slow`` answers once ``release`` is set."""

    async def slow(_request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"name": "late"})

    app = web.Application()
    app.add_routes(
        [
            web.get("/thing", _thing),
            web.get("/missing", _missing),
            web.get("/garbage", _garbage),
            web.get("/busy", _busy),
            web.post("/echo", _echo),
            web.get("/slow", slow),
        ]
    )
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        release.set()
        await runner.cleanup()


def run(test: Test) -> None:
    async def main() -> None:
        release = asyncio.Event()
        async with serving(release) as base_url:
            await asyncio.wait_for(test(base_url, release), timeout=10)

    asyncio.run(main())


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_answer_is_read_whole() -> None:
    async def test(base_url: str, _release: asyncio.Event) -> None:
        async with open_sender(base_url, timeout_s=2.0) as sender:
            upstream = Upstream("catalog", sender)
            reply = await upstream.call("GET", "/thing")
            upstream.expect(reply, 200)
            assert upstream.read(Thing, reply).name == "bowl"
            echoed = await sender.send(
                "POST", "/echo", json={"a": 1}, params={"n": 2}, headers={"X-Auth": "t"}
            )
            assert echoed.json() == {"body": {"a": 1}, "query": {"n": "2"}, "auth": "t"}

    run(test)


def test_a_refused_connection_is_unavailable() -> None:
    async def test(_base_url: str, _release: asyncio.Event) -> None:
        async with open_sender(f"http://127.0.0.1:{closed_port()}", timeout_s=2.0) as sender:
            with pytest.raises(UpstreamUnavailable) as caught:
                await Upstream("shopping", sender).call("GET", "/thing")
        assert isinstance(caught.value, DependencyUnavailable)  # answered as 503
        assert str(caught.value).startswith("shopping unavailable: ClientConnectorError")

    run(test)


def test_a_late_answer_is_a_timeout() -> None:
    async def test(base_url: str, release: asyncio.Event) -> None:
        async with open_sender(base_url, timeout_s=0.2) as sender:
            with pytest.raises(NoAnswer) as no_answer:
                await sender.send("GET", "/slow")
            assert no_answer.value.timed_out
            with pytest.raises(UpstreamUnavailable, match="no answer to GET /slow in time"):
                await Upstream("orders", sender).call("GET", "/slow")
            release.set()
            assert (await sender.send("GET", "/thing")).status == 200  # the pool recovers

    run(test)


def test_a_404_is_relayed_with_the_upstreams_detail() -> None:
    async def test(base_url: str, _release: asyncio.Event) -> None:
        async with open_sender(base_url, timeout_s=2.0) as sender:
            upstream = Upstream("catalog", sender)
            with pytest.raises(NotFound, match=r"^catalog: no thing X$"):
                upstream.expect(await upstream.call("GET", "/missing"), 200)

    run(test)


def test_a_busy_upstream_is_unavailable_and_garbage_is_a_bad_gateway() -> None:
    async def test(base_url: str, _release: asyncio.Event) -> None:
        async with open_sender(base_url, timeout_s=2.0) as sender:
            upstream = Upstream("inventory", sender)
            with pytest.raises(UpstreamUnavailable, match="answered 503: busy"):
                upstream.expect(await upstream.call("GET", "/busy"), 200)
            garbage = await upstream.call("GET", "/garbage")
            upstream.expect(garbage, 200)
            with pytest.raises(UpstreamFailed, match="unreadable") as caught:
                upstream.read(Thing, garbage)
            assert caught.value.status_code == 502

    run(test)


def test_every_call_is_observed() -> None:
    seen: list[tuple[str, str]] = []

    async def test(base_url: str, _release: asyncio.Event) -> None:
        async with open_sender(base_url, timeout_s=2.0) as sender:
            upstream = Upstream("catalog", sender, observe=lambda *call: seen.append(call))
            await upstream.call("GET", "/thing")
            await upstream.call("GET", "/missing")
        async with open_sender(f"http://127.0.0.1:{closed_port()}", timeout_s=2.0) as sender:
            upstream = Upstream("catalog", sender, observe=lambda *call: seen.append(call))
            with pytest.raises(UpstreamUnavailable):
                await upstream.call("GET", "/thing")

    run(test)
    assert seen == [("catalog", "200"), ("catalog", "404"), ("catalog", "no-answer")]
