"""Outgoing HTTP between services: one small ``Sender`` port and its two adapters.

A service's client for another service talks to a ``Sender``: it sends one request
and gets back a ``Reply`` (status, the whole body, headers) or ``NoAnswer`` (refused,
reset, timed out, cut mid-body). What a status *means* stays with each client.

* ``AiohttpSender`` (production, ``open_sender``): one ``aiohttp.ClientSession`` per
  upstream with keep-alive connections, a connection limit and timeouts. aiohttp costs
  about a quarter of httpx's CPU per call (see the platform notes).
* ``HttpxSender``: the same port over an ``httpx.AsyncClient``, so unit tests can play
  an upstream with ``httpx.MockTransport``; ``as_sender`` wraps a client given where a
  sender is expected.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

import aiohttp
import httpx

from services.kernel.logs import describe_error

Params = Mapping[str, str | int]
# Idle connections are closed by the client well before the services' uvicorn
# (--timeout-keep-alive 75) would, so a reused connection is rarely a dead one.
KEEPALIVE_S = 30.0


@dataclass(frozen=True, slots=True)
class Reply:
    """An upstream's complete answer."""

    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return f"HTTP {self.status}"

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` if it is not JSON."""
        return jsonlib.loads(self.body)


class NoAnswer(Exception):
    """No usable answer came: ``reason`` says why (``timed_out`` for a deadline)."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


class Sender(Protocol):
    """Sends one request to one upstream (``path`` is relative to its base URL)."""

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """The answer, whatever its status; ``NoAnswer`` if none came."""
        ...


class AiohttpSender:
    """``Sender`` over an ``aiohttp.ClientSession`` (whose timeouts apply)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base = base_url.rstrip("/")

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        try:
            async with self._session.request(
                method, self._base + path, json=json, params=params, headers=headers
            ) as response:
                body = await response.read()
                return Reply(response.status, body, response.headers)
        except TimeoutError:  # aiohttp's own timeouts derive from it too
            raise NoAnswer(f"no answer to {method} {path} in time", timed_out=True) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise NoAnswer(describe_error(exc)) from exc


@asynccontextmanager
async def open_sender(
    base_url: str,
    *,
    timeout_s: float,
    connect_timeout_s: float = 2.0,
    max_connections: int = 50,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[AiohttpSender]:
    """A sender to ``base_url`` with its own connection pool, closed on exit.
    ``timeout_s`` bounds a whole call, connecting included."""
    connector = aiohttp.TCPConnector(
        limit=max_connections, keepalive_timeout=KEEPALIVE_S, ttl_dns_cache=300
    )
    timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(connect_timeout_s, timeout_s))
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers, raise_for_status=False
    ) as session:
        yield AiohttpSender(session, base_url)


class HttpxSender:
    """``Sender`` over an ``httpx.AsyncClient`` (tests: ``httpx.MockTransport``)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        try:
            response = await self._client.request(
                method, path, json=json, params=params, headers=headers
            )
        except httpx.TimeoutException:
            raise NoAnswer(f"no answer to {method} {path} in time", timed_out=True) from None
        except httpx.HTTPError as exc:
            raise NoAnswer(describe_error(exc)) from exc
        return Reply(response.status_code, response.content, response.headers)


def as_sender(client: Sender | httpx.AsyncClient) -> Sender:
    """``client`` as a ``Sender`` (an ``httpx.AsyncClient`` is wrapped)."""
    return HttpxSender(client) if isinstance(client, httpx.AsyncClient) else client
