"""A virtual customer: a Locust user that shops as a real customer of the sandbox does.

It signs in as a seeded customer, opens its own SSE stream (on the next Storefront replica
when there are several, so events must cross replicas), clears what an earlier run left in
its cart, then places orders: browse, think, add 1-3 in-stock products, think, check out,
and wait on its own stream for the order's completion event. Orders start at most every
``pace_s``. The latency of an order is end to end: checkout request sent -> completion
event seen. Each HTTP call is a Locust request under a stable name; each order is one too
(type ``ORDER``), so Locust's table shows both.

Every checkout sent ends as exactly one sample or one order error, even when the user is
stopped mid-way (the run's end or a ramp down): that keeps ``offered = completed +
errors`` exact.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

from sandbox.loadtest.context import RunContext
from sandbox.loadtest.shopping import LOGIN, Shopping


class Shopper(FastHttpUser):
    abstract = True
    run_context: ClassVar[RunContext]  # not "context": User.context() exists
    wait_time = constant(0)  # pacing and think time are the shopper's own
    network_timeout = 30.0
    connection_timeout = 10.0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.number: int | None = None
        self.shopping: Shopping | None = None
        self._alive = False
        self._idle = False

    def on_start(self) -> None:
        ctx = self.run_context
        ctx.tally.alive_users += 1
        self._alive = True
        self.number = ctx.customers().take()
        if self.number is None:
            ctx.tally.error("login", f"POST {LOGIN}", "no seeded customer left for this user")
            return
        self.shopping = Shopping.sign_in(self, ctx, self.number)

    @task
    def shop(self) -> None:
        ctx = self.run_context
        if self.shopping is not None and not self._idle:
            if ctx.config.burst > 0:
                self._burst(self.shopping)
            else:
                self._rounds(self.shopping)
        self._become_idle()
        ctx.draining.wait(ctx.remaining())
        raise StopUser

    def on_stop(self) -> None:
        """Called once or twice by Locust (task set and user): does its work once."""
        tally = self.run_context.tally
        if self.shopping is not None:
            self.shopping.close()
            self.shopping = None
        if self._idle:
            tally.idle_users -= 1
            self._idle = False
        if self._alive:
            tally.alive_users -= 1
            self._alive = False
        if self.number is not None:
            self.run_context.customers().give_back(self.number)
            self.number = None

    def _rounds(self, shopping: Shopping) -> None:
        ctx = self.run_context
        # The first order waits a seeded share of the pace, so customers who signed in
        # together spread their orders: USERS/pace is the offered rate from the start
        # instead of a burst of USERS orders and then a lull.
        if ctx.draining.wait(shopping.rng.uniform(0, ctx.config.pace_s)):
            return
        for _ in range(ctx.config.max_orders_per_user):
            if ctx.draining.is_set():
                return
            started = time.monotonic()
            shopping.place_one_order()
            pause = started + ctx.config.pace_s - time.monotonic()
            if pause > 0 and ctx.draining.wait(pause):
                return

    def _burst(self, shopping: Shopping) -> None:
        ctx = self.run_context
        if not ctx.take_burst_slot():
            return
        ready = shopping.prepare_order()
        ctx.tally.gate_arrivals += 1
        if not ready:
            return
        ctx.released.wait(ctx.remaining())
        if ctx.released.is_set():
            shopping.checkout()

    def _become_idle(self) -> None:
        if not self._idle:
            self._idle = True
            self.run_context.tally.idle_users += 1


def shopper_class(context: RunContext, host: str) -> type[Shopper]:
    """A concrete user class bound to this process's run (same name on master and workers,
    which Locust's dispatch matches by name)."""
    return type("Customer", (Shopper,), {"run_context": context, "host": host, "abstract": False})
