"""One customer's live stream, as a browser's EventSource keeps it: reconnect on any error
(and, if asked, on a schedule) with ``Last-Event-ID``, recording every event received."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from chaos.sse_frames import FrameReader

RECONNECT_DELAY_S = 0.25


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]
    received_s: float  # monotonic


@dataclass
class Listener:
    base_url: str
    customer_id: str
    token: str
    reconnect_every_s: float = 0.0
    events: list[Event] = field(default_factory=list)
    connections: int = 0
    errors: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_id(self) -> int | None:
        return self.events[-1].id if self.events else None

    async def run(self) -> None:
        """Listen until cancelled."""
        timeout = httpx.Timeout(10.0, read=None)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=timeout) as client:
            while True:
                try:
                    await self._once(client)
                except (httpx.HTTPError, OSError, ValueError) as exc:
                    self._note(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(RECONNECT_DELAY_S)

    async def _once(self, client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = str(self.last_id)
        async with client.stream("GET", "/sse/storefront", headers=headers) as answer:
            if answer.status_code != 200:
                self._note(f"HTTP {answer.status_code}")
                return
            self.connections += 1
            if self.reconnect_every_s > 0:
                try:
                    async with asyncio.timeout(self.reconnect_every_s):
                        await self._read(answer)
                except TimeoutError:
                    return  # a planned reconnect
            else:
                await self._read(answer)

    async def _read(self, answer: httpx.Response) -> None:
        reader = FrameReader()
        async for line in answer.aiter_lines():
            frame = reader.feed(line)
            if frame is not None and "id" in frame:
                self.events.append(
                    Event(
                        int(frame["id"]),
                        frame.get("event", "message"),
                        json.loads(frame["data"]),
                        time.monotonic(),
                    )
                )
                self.changed.set()

    def _note(self, error: str) -> None:
        if len(self.errors) < 20:  # enough to explain; bounded under a long outage
            self.errors.append(error)

    def statuses_of(self, order_id: str) -> list[str]:
        return [
            str(e.data.get("newStatus"))
            for e in self.events
            if e.type == "order-status-changed" and e.data.get("orderId") == order_id
        ]
