"""The workload: customers shopping through the Storefront while listening to their streams.

Each customer signs in, opens its own SSE stream (on another Storefront replica when there
are several), and places its planned orders one after another, each no earlier than its
slot in the plan. A checkout is never retried: a call whose answer was lost is recorded as
such and settled later against the databases, as a careful client would have to.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx

from chaos.plan import PlannedOrder, customer_email, customer_password
from chaos.sse_client import Listener
from chaos.target import Target
from chaos.tokens import expired_token, forged_token

LOGIN_DEADLINE_S = 60.0
CART_DEADLINE_S = 30.0
CHECKOUT_TIMEOUT_S = 30.0
STREAM_OPEN_DEADLINE_S = 30.0
RETRY_PAUSE_S = 0.25


@dataclass
class Attempt:
    planned: PlannedOrder
    customer_id: str | None = None
    started_s: float | None = None  # from the start of the workload
    finished_s: float | None = None
    order_id: str | None = None
    outcome: str = "skipped"  # acknowledged | rejected | failed | skipped
    detail: str = ""


@dataclass(frozen=True)
class Probe:
    kind: str  # none | forged | expired | foreign
    expected: int
    got: int | None
    detail: str = ""

    @property
    def refused_rightly(self) -> bool:
        return self.got == self.expected


@dataclass
class WorkloadRecord:
    attempts: list[Attempt]
    listeners: dict[str, Listener] = field(default_factory=dict)  # customer id -> stream
    probes: list[Probe] = field(default_factory=list)
    started_monotonic: float = 0.0
    started_wall: float = 0.0  # the same instant on the wall clock, to place DB timestamps
    duration_s: float = 0.0


class Workload:
    def __init__(self, target: Target, plan: list[PlannedOrder], *, sse: bool, hostile: bool,
                 reconnect_every_s: float) -> None:  # fmt: skip
        self.target = target
        self.plan = plan
        self.sse = sse
        self.hostile = hostile
        self.reconnect_every_s = reconnect_every_s
        self.record = WorkloadRecord([Attempt(p) for p in plan])
        self._listener_tasks: list[asyncio.Task[None]] = []

    async def run(self) -> WorkloadRecord:
        """Place every planned order; streams stay open until ``close()``."""
        self.record.started_monotonic = time.monotonic()
        self.record.started_wall = time.time()
        by_customer: dict[int, list[Attempt]] = defaultdict(list)
        for attempt in self.record.attempts:
            by_customer[attempt.planned.customer].append(attempt)
        shoppers = [
            self._shop(slot, number, attempts)
            for slot, (number, attempts) in enumerate(sorted(by_customer.items()))
        ]
        await asyncio.gather(*shoppers)
        self.record.duration_s = time.monotonic() - self.record.started_monotonic
        if self.hostile:
            self.record.probes = await self._probe_hostile()
        return self.record

    async def close(self) -> None:
        for task in self._listener_tasks:
            task.cancel()
        for task in self._listener_tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _elapsed(self) -> float:
        return time.monotonic() - self.record.started_monotonic

    def _url(self, slot: int) -> str:
        urls = self.target.storefront_urls
        return urls[slot % len(urls)]

    async def _shop(self, slot: int, number: int, attempts: list[Attempt]) -> None:
        async with httpx.AsyncClient(base_url=self._url(slot), timeout=CHECKOUT_TIMEOUT_S) as http:
            login = await self._login(http, number)
            if login is None:
                for attempt in attempts:
                    attempt.detail = "could not sign in"
                return
            customer_id, token = login
            auth = {"Authorization": f"Bearer {token}"}
            if self.sse:
                await self._listen(slot, customer_id, token)
            for attempt in attempts:
                attempt.customer_id = customer_id
                delay = attempt.planned.at_s - self._elapsed()
                if delay > 0:
                    await asyncio.sleep(delay)  # the plan's pacing, not a wait for a condition
                await self._order(http, auth, attempt)

    async def _login(self, http: httpx.AsyncClient, number: int) -> tuple[str, str] | None:
        body = {"email": customer_email(number), "password": customer_password(number)}
        end = time.monotonic() + LOGIN_DEADLINE_S
        while time.monotonic() < end:
            with contextlib.suppress(httpx.HTTPError):
                answer = await http.post("/api/storefront/login", json=body)
                if answer.status_code == 200:
                    return str(answer.json()["customerId"]), str(answer.json()["token"])
            await asyncio.sleep(RETRY_PAUSE_S)
        return None

    async def _listen(self, slot: int, customer_id: str, token: str) -> None:
        listener = Listener(self._url(slot + 1), customer_id, token, self.reconnect_every_s)
        self.record.listeners[customer_id] = listener
        self._listener_tasks.append(asyncio.create_task(listener.run()))
        end = time.monotonic() + STREAM_OPEN_DEADLINE_S
        while listener.connections == 0 and time.monotonic() < end:
            await asyncio.sleep(0.05)  # poll the stream's own counter, bounded by the deadline

    async def _order(self, http: httpx.AsyncClient, auth: dict[str, str], attempt: Attempt) -> None:
        if not await self._fill_cart(http, auth, attempt.planned):
            attempt.detail = "the cart could not be filled"
            return
        attempt.started_s = self._elapsed()
        body = {"shippingMethod": "Standard", "paymentMethodToken": attempt.planned.payment_token}
        try:
            answer = await http.post("/api/storefront/checkout", json=body, headers=auth)
        except httpx.HTTPError as exc:
            attempt.outcome, attempt.detail = "failed", f"{type(exc).__name__}: {exc}"
        else:
            if answer.status_code == 201:
                attempt.outcome, attempt.order_id = "acknowledged", str(answer.json()["orderId"])
            else:
                attempt.outcome = "rejected" if answer.status_code < 500 else "failed"
                attempt.detail = f"HTTP {answer.status_code}: {answer.text[:200]}"
        attempt.finished_s = self._elapsed()

    async def _fill_cart(
        self, http: httpx.AsyncClient, auth: dict[str, str], planned: PlannedOrder
    ) -> bool:
        """Make the cart hold exactly the planned items (a failed checkout may leave some)."""
        end = time.monotonic() + CART_DEADLINE_S
        while time.monotonic() < end:
            try:
                cart = await http.get("/api/storefront/cart", headers=auth)
                if cart.status_code == 200:
                    for item in cart.json()["items"]:
                        gone = await http.delete(
                            f"/api/storefront/cart/items/{item['sku']}", headers=auth
                        )
                        gone.raise_for_status()
                    for sku, quantity in planned.items:
                        added = await http.post(
                            "/api/storefront/cart/items",
                            json={"sku": sku, "quantity": quantity},
                            headers=auth,
                        )
                        added.raise_for_status()
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(RETRY_PAUSE_S)
        return False

    async def _probe_hostile(self) -> list[Probe]:
        """Subscriptions an attacker would try: each must be refused with the right status."""
        customers = list(self.record.listeners.items())[:10]
        probes: list[Probe] = []
        async with httpx.AsyncClient(base_url=self._url(0), timeout=10) as http:
            for index, (customer_id, listener) in enumerate(customers):
                other = customers[(index + 1) % len(customers)][0]
                foreign = other if other != customer_id else "00000000-0000-0000-0000-000000000001"
                cases = [
                    ("none", "/sse/storefront", {}, 401),
                    ("forged", "/sse/storefront", _bearer(forged_token(listener.token)), 401),
                    ("expired", "/sse/storefront",
                     _bearer(expired_token(customer_id, self.target.signing_key)), 401),
                    ("foreign", f"/sse/storefront/customers/{foreign}",
                     _bearer(listener.token), 403),
                ]  # fmt: skip
                for kind, path, headers, expected in cases:
                    probes.append(await _probe(http, kind, path, headers, expected))
        return probes


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _probe(
    http: httpx.AsyncClient, kind: str, path: str, headers: dict[str, str], expected: int
) -> Probe:
    try:
        async with http.stream("GET", path, headers=headers) as answer:
            return Probe(kind, expected, answer.status_code)
    except httpx.HTTPError as exc:
        return Probe(kind, expected, None, f"{type(exc).__name__}: {exc}")
