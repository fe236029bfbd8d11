"""Benchmark: the SLA's own latency, one order at a time, through the Storefront.

For N sequential orders of one seeded customer it measures from "checkout accepted" (the
Storefront answered 201 to ``POST /api/storefront/checkout``) to the order's ``Confirmed``
event arriving on that customer's SSE stream, exactly as the latency SLA defines it.

    SANDBOX_STATE_DIR=... .venv/bin/python benchmarks/bench_order_sse.py --orders 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from sandbox.backends.process import ProcessBackend
from sandbox.state import resolve_state_dir

EVENT_DEADLINE_S = 30.0


class ConfirmedWatch:
    """Reads one SSE stream and records when each order's Confirmed event arrived."""

    def __init__(self) -> None:
        self.confirmed_at: dict[str, float] = {}
        self.arrived = asyncio.Event()

    async def read(self, answer: httpx.Response) -> None:
        kind = ""
        async for line in answer.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "order-status-changed":
                data = json.loads(line[6:])
                if data["newStatus"] == "Confirmed":
                    self.confirmed_at[data["orderId"]] = time.monotonic()
                    self.arrived.set()

    async def wait(self, order_id: str) -> float:
        async with asyncio.timeout(EVENT_DEADLINE_S):
            while order_id not in self.confirmed_at:
                self.arrived.clear()
                await self.arrived.wait()
        return self.confirmed_at[order_id]


async def run(base_url: str, orders: int, customer: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
        login = await client.post("/api/storefront/login", json={
            "email": f"customer{customer:04d}@example.com",
            "password": f"critter-pass-{customer:04d}",
        })  # fmt: skip
        login.raise_for_status()
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        watch = ConfirmedWatch()
        stream_timeout = httpx.Timeout(10.0, read=None)
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=stream_timeout) as sse,
            sse.stream("GET", "/sse/storefront", headers=auth) as answer,
        ):
            answer.raise_for_status()
            reader = asyncio.create_task(watch.read(answer))
            latencies = []
            try:
                for _ in range(orders + 1):  # the first order warms up and is not counted
                    added = await client.post(
                        "/api/storefront/cart/items",
                        json={"sku": "DOG-BOWL-001", "quantity": 1},
                        headers=auth,
                    )
                    added.raise_for_status()
                    checkout = await client.post(
                        "/api/storefront/checkout",
                        json={"paymentMethodToken": "tok_visa"},
                        headers=auth,
                    )
                    checkout.raise_for_status()
                    accepted = time.monotonic()
                    confirmed = await watch.wait(checkout.json()["orderId"])
                    latencies.append(confirmed - accepted)
            finally:
                reader.cancel()
    return latencies[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--customer", type=int, default=150)
    parser.add_argument("--state-dir", default=None)
    args = parser.parse_args()
    runtime = ProcessBackend(resolve_state_dir(args.state_dir)).runtime()
    base_url = f"http://127.0.0.1:{runtime.port('storefront')}"
    latencies = sorted(asyncio.run(run(base_url, args.orders, args.customer)))
    print(json.dumps({
        "orders": len(latencies),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p90_ms": round(latencies[int(len(latencies) * 0.9) - 1] * 1000, 1),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
