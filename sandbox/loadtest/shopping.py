"""One signed-in customer's session: its HTTP calls, its own stream and its orders.

Every call goes through the Locust user's FastHttpSession under a stable name (the path
without ids), so Locust's statistics are per endpoint. A failed call is recorded once,
with the answer's status and the start of its body, and abandons the current order (no
retries: the next order starts at its pace, as a customer would try again later).
"""

from __future__ import annotations

import random
import time
from typing import Any

from gevent import GreenletExit  # type: ignore[import-untyped]
from locust import FastHttpUser

from sandbox.loadtest.context import RunContext
from sandbox.loadtest.customers import customer_email, customer_password
from sandbox.loadtest.sse_stream import STREAM_PATH, OrderStream

LOGIN = "/api/storefront/login"
PRODUCTS = "/api/storefront/products"
CART = "/api/storefront/cart"
CART_ITEMS = "/api/storefront/cart/items"
CHECKOUT = "/api/storefront/checkout"
CHECKOUT_BODY = {"shippingMethod": "Standard", "paymentMethodToken": "tok_visa_4242"}
LOGIN_ATTEMPTS = 3
RETRY_PAUSE_S = 1.0
STREAM_OPEN_TIMEOUT_S = 30.0


class OrderFailed(Exception):
    """An order's failure as Locust's statistics show it (details are in the output)."""


class Shopping:
    def __init__(self, user: FastHttpUser, ctx: RunContext, number: int) -> None:
        self.user = user
        self.ctx = ctx
        self.number = number
        index = number - ctx.config.first_customer
        urls = ctx.config.storefront_urls
        self.base = urls[index % len(urls)]
        self.stream_base = urls[(index + 1) % len(urls)]  # events must cross replicas
        self.rng = random.Random(ctx.config.seed + index)
        self.customer_id = ""
        self.auth: dict[str, str] = {}
        self.stream: OrderStream | None = None
        self._listener: Any = None
        self._connected = False
        self._cart_dirty = True  # an earlier run or a failed step may have left items

    @classmethod
    def sign_in(cls, user: FastHttpUser, ctx: RunContext, number: int) -> Shopping | None:
        shopping = cls(user, ctx, number)
        token = shopping._login()
        if token is not None and shopping._open_stream(token):
            return shopping
        shopping.close()
        return None

    def close(self) -> None:
        if self._listener is not None:
            self._listener.kill(block=False)
            self._listener = None
        if self._connected:
            self.ctx.tally.connected -= 1
            self._connected = False

    def place_one_order(self) -> None:
        if self.prepare_order():
            self.checkout()

    def prepare_order(self) -> bool:
        """Browse and fill the cart; False if a step failed or the run is draining."""
        if self._cart_dirty and not self._clear_cart():
            return False
        products, _ = self._call("GET", f"{PRODUCTS}?pageSize=20", PRODUCTS, auth=False)
        if products is None or self._think():
            return False
        in_stock = [p["sku"] for p in products.get("products", []) if p.get("inStock")]
        if not in_stock:
            self.ctx.tally.error("no-stock", f"GET {PRODUCTS}", "no product in stock on page 1")
            return False
        chosen = self.rng.sample(in_stock, min(len(in_stock), self.rng.randint(1, 3)))
        for sku in chosen:
            self._cart_dirty = True
            added, _ = self._call("POST", CART_ITEMS, CART_ITEMS, body={"sku": sku, "quantity": 1})
            if added is None:
                return False
        return not self._think()

    def checkout(self) -> None:
        """Check out and wait for the outcome: exactly one sample or one order error."""
        tally, endpoint = self.ctx.tally, f"POST {CHECKOUT}"
        tally.offered += 1
        tally.in_flight += 1
        order_id: str | None = None
        settled = False
        sent_at, sent = time.time(), time.monotonic()
        try:
            answer, detail = self._call("POST", CHECKOUT, CHECKOUT, body=CHECKOUT_BODY, expect=201)
            found = answer.get("orderId") if answer is not None else None
            tally.checkout(self.customer_id, found if isinstance(found, str) else None)
            if not isinstance(found, str):
                settled = True
                tally.error("http", endpoint, detail or f"no orderId in {answer}", sent_at=sent_at)
                self._report_order(time.monotonic() - sent, "checkout refused")
                return
            order_id, self._cart_dirty = found, False
            self._await_outcome(order_id, sent_at, sent)
            settled = True
        except BaseException as exc:  # stopped mid-way (GreenletExit) or a bug: still counted
            if not settled:
                ended = isinstance(exc, GreenletExit)
                detail = "the run ended first" if ended else f"{type(exc).__name__}: {exc}"
                tally.error("timeout" if order_id else "http", endpoint, detail, sent_at=sent_at)
                self._report_order(time.monotonic() - sent, "stopped before the outcome")
            raise
        finally:
            tally.in_flight -= 1

    def _await_outcome(self, order_id: str, sent_at: float, sent: float) -> None:
        assert self.stream is not None
        config, tally, endpoint = self.ctx.config, self.ctx.tally, f"POST {CHECKOUT}"
        result = self.stream.outcome(order_id)
        result.wait(max(sent + config.completion_timeout_s - time.monotonic(), 0.0))
        self.stream.forget(order_id)
        if not result.ready():
            wanted = config.completion_status
            tally.error(
                "timeout",
                endpoint,
                f"order {order_id}: no {wanted} event within {config.completion_timeout_s:g} s",
                sent_at=sent_at,
            )
            self._report_order(time.monotonic() - sent, f"no {wanted} event in time")
            return
        outcome = result.get()
        latency = outcome.received - sent
        if not outcome.expected:
            ended = f"order {order_id} ended {outcome.status}"
            tally.error("unexpected-state", endpoint, ended, sent_at=sent_at)
            self._report_order(latency, f"ended {outcome.status}")
            return
        tally.sample(
            order_id, self.customer_id, sent_at, latency, outcome.status, outcome.occurred_at
        )
        self._report_order(latency, None)

    def _login(self) -> str | None:
        body = {"email": customer_email(self.number), "password": customer_password(self.number)}
        detail = ""
        for attempt in range(1, LOGIN_ATTEMPTS + 1):
            answer, detail = self._call("POST", LOGIN, LOGIN, body=body, auth=False)
            if answer is not None and "customerId" in answer and "token" in answer:
                self.customer_id, token = str(answer["customerId"]), str(answer["token"])
                self.auth = {"Authorization": f"Bearer {token}"}
                return token
            if self.ctx.draining.wait(RETRY_PAUSE_S * attempt):
                break
        self.ctx.tally.error("login", f"POST {LOGIN}", f"customer {self.number}: {detail}")
        return None

    def _open_stream(self, token: str) -> bool:
        tally = self.ctx.tally
        stream = OrderStream(
            self.stream_base,
            self.customer_id,
            token,
            self.ctx.config.completion_status,
            deadline=self.ctx.deadline,
            on_connect=self._report_stream_connect,
            on_error=lambda detail: tally.error("stream", f"GET {STREAM_PATH}", detail),
            on_leak=lambda event: tally.leak(self.customer_id, event),
            on_event=tally.event,
        )
        self.stream = stream
        self._listener = self.ctx.streams.spawn(stream.run)
        if not stream.opened.wait(STREAM_OPEN_TIMEOUT_S):
            tally.error("stream", f"GET {STREAM_PATH}", "not open within 30 s")
            return False
        tally.connected += 1
        self._connected = True
        return True

    def _clear_cart(self) -> bool:
        cart, _ = self._call("GET", CART, CART)
        if cart is None:
            return False
        for item in cart.get("items", []):
            path = f"{CART_ITEMS}/{item['sku']}"
            if self._call("DELETE", path, f"{CART_ITEMS}/[sku]")[0] is None:
                return False
        self._cart_dirty = False
        return True

    def _think(self) -> bool:
        """Pause between steps; True when the run started draining (abandon the order)."""
        think_s = self.ctx.config.think_s
        return bool(self.ctx.draining.wait(think_s) if think_s > 0 else self.ctx.draining.is_set())

    def _call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        body: dict[str, Any] | None = None,
        expect: int = 200,
        auth: bool = True,
    ) -> tuple[dict[str, Any] | None, str]:
        """(the answer's JSON object, "") or (None, what went wrong, already recorded)."""
        headers = self.auth if auth else None
        with self.user.client.request(
            method, self.base + path, name=name, json=body, headers=headers, catch_response=True
        ) as answer:
            if answer.status_code != expect:
                code = answer.status_code
                if code:
                    detail = f"HTTP {code}: {(answer.text or '')[:200]}"
                else:
                    detail = f"no answer: {getattr(answer, 'error', None)}"
                answer.failure(f"HTTP {code}" if code else detail)
            else:
                try:
                    parsed: Any = answer.json()
                except (ValueError, TypeError) as exc:
                    parsed = exc
                if isinstance(parsed, dict):
                    answer.success()
                    return parsed, ""
                detail = f"not a JSON object: {str(parsed)[:100]}"
                answer.failure("not a JSON object")
        if name != CHECKOUT and name != LOGIN:  # those two are recorded by their callers
            self.ctx.tally.error("http", f"{method} {name}", detail)
        return None, detail

    def _report_stream_connect(self, took_ms: float, failure: str | None) -> None:
        self.user.environment.events.request.fire(
            request_type="GET",
            name=STREAM_PATH,
            response_time=took_ms,
            response_length=0,
            exception=OrderFailed(failure) if failure else None,
            context={},
        )

    def _report_order(self, elapsed_s: float, failure: str | None) -> None:
        self.user.environment.events.request.fire(
            request_type="ORDER",
            name=f"checkout -> {self.ctx.config.completion_status}",
            response_time=elapsed_s * 1000,
            response_length=0,
            exception=OrderFailed(failure) if failure else None,
            context={},
        )
