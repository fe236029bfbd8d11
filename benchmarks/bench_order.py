"""Benchmark: one order at a time through a running sandbox.

For N sequential orders it measures the latency from "checkout accepted" (Orders answered
201 to complete) to the order being Confirmed, and counts, over the whole run, the messages
the broker received and the database transactions committed, per order.

Latency here is observed by polling Orders every 5 ms (so it carries up to 5 ms of
granularity); the SSE-based measurement belongs to the load test.

    SANDBOX_STATE_DIR=... .venv/bin/python benchmarks/bench_order.py --orders 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import httpx
import psycopg

from sandbox.backends.process import ProcessBackend
from sandbox.probes import postgres_dsn
from sandbox.runtime import Runtime
from sandbox.state import resolve_state_dir

ADDRESS = {"addressLine1": "1 Bench Road", "city": "Portland", "stateOrProvince": "OR",
           "postalCode": "97201", "country": "US"}  # fmt: skip
SERVICES = ("catalog", "identity", "inventory", "payments", "fulfillment", "shopping", "orders",
            "storefront")  # fmt: skip
CONFIRMED_OR_LATER = {"Confirmed", "Shipped", "Delivered"}
POLL_S = 0.005
IDLE_WINDOW_S = 5.0


def published_by_type(runtime: Runtime) -> dict[str, float]:
    """Messages published so far by every service, by type (from their /metrics)."""
    totals: dict[str, float] = {}
    for name in SERVICES:
        text = httpx.get(f"http://127.0.0.1:{runtime.port(name)}/metrics", timeout=10).text
        for line in text.splitlines():
            if line.startswith('messaging_published_total{type="'):
                kind = line.split('"')[1]
                totals[kind] = totals.get(kind, 0.0) + float(line.rsplit(" ", 1)[1])
    return totals


def counters(runtime: Runtime) -> dict[str, Any]:
    ports = runtime.settings.ports
    with psycopg.connect(postgres_dsn(ports, runtime.secrets)) as conn:
        row = conn.execute(
            "SELECT sum(xact_commit) FROM pg_stat_database WHERE datname = ANY(%s)",
            (list(SERVICES),),
        ).fetchone()
    return {"messages": published_by_type(runtime), "transactions": int(row[0] if row else 0)}


def place(client: httpx.Client, url: dict[str, str], customer: str) -> tuple[str, float, int]:
    """One order up to "checkout accepted"; returns (order id, accepted at, requests made)."""
    cart = client.post(f"{url['shopping']}/api/carts", json={"customerId": customer}).json()
    cart_id = cart["cartId"]
    client.post(f"{url['shopping']}/api/carts/{cart_id}/items",
                json={"sku": "DOG-BOWL-001", "quantity": 1}).raise_for_status()  # fmt: skip
    checkout = client.post(f"{url['shopping']}/api/carts/{cart_id}/checkout").json()["checkoutId"]
    body = {"address": ADDRESS, "shippingMethod": "Standard", "paymentMethodToken": "tok_visa"}
    requests, deadline = 3, time.monotonic() + 30
    while True:
        answer = client.post(f"{url['orders']}/api/checkouts/{checkout}/complete", json=body)
        requests += 1
        if answer.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
    answer.raise_for_status()
    return str(answer.json()["orderId"]), time.monotonic(), requests


def wait_status(
    client: httpx.Client, url: dict[str, str], order_id: str, wanted: set[str]
) -> tuple[float, int]:
    """Poll Orders until the order is in ``wanted``; returns (when, requests made)."""
    requests, deadline = 0, time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(f"{url['orders']}/api/orders/{order_id}").json()["status"]
        requests += 1
        if status in wanted:
            return time.monotonic(), requests
        if status == "Cancelled":
            raise RuntimeError(f"order {order_id} was cancelled")
        time.sleep(POLL_S)
    raise RuntimeError(f"order {order_id} did not reach {wanted} within 30 s")


def per_order(after: dict[str, float], before: dict[str, float], orders: int) -> dict[str, float]:
    by_type = {k: round((v - before.get(k, 0.0)) / orders, 2) for k, v in sorted(after.items())}
    return {"total": round(sum(by_type.values()), 2), **{k: v for k, v in by_type.items() if v}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--count-orders", type=int, default=50)
    parser.add_argument("--state-dir", default=None)
    args = parser.parse_args()
    runtime = ProcessBackend(resolve_state_dir(args.state_dir)).runtime()
    url = {name: f"http://127.0.0.1:{runtime.port(name)}" for name in ("identity", "shopping",
                                                                          "orders")}  # fmt: skip
    with httpx.Client(timeout=15) as client:
        login = client.post(
            f"{url['identity']}/api/auth/login",
            json={"email": "customer0100@example.com", "password": "critter-pass-0100"},
        ).json()
        customer = login["customerId"]
        latencies = []
        for _ in range(args.orders):
            order_id, accepted, _ = place(client, url, customer)
            confirmed, _ = wait_status(client, url, order_id, CONFIRMED_OR_LATER)
            latencies.append(confirmed - accepted)
        wait_status(client, url, order_id, {"Delivered"})
        # Counting phase: no latency polling; the idle background rate is subtracted.
        idle_before = counters(runtime)
        idle_started = time.monotonic()
        time.sleep(IDLE_WINDOW_S)  # a measurement window, not a wait for a condition
        idle_after = counters(runtime)
        idle_tx_per_s = (idle_after["transactions"] - idle_before["transactions"]) / (
            time.monotonic() - idle_started
        )
        before, started, requests = counters(runtime), time.monotonic(), 0
        placed = []
        for _ in range(args.count_orders):
            order_id, _, made = place(client, url, customer)
            placed.append(order_id)
            requests += made
        for order_id in placed:
            requests += wait_status(client, url, order_id, {"Delivered"})[1]
        after, duration = counters(runtime), time.monotonic() - started
    ordered = sorted(latencies)
    transactions = after["transactions"] - before["transactions"] - idle_tx_per_s * duration
    result: dict[str, Any] = {
        "orders": args.orders,
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "counted_orders": args.count_orders,
        "messages_per_order": per_order(after["messages"], before["messages"], args.count_orders),
        "transactions_per_order_incl_http": round(transactions / args.count_orders, 1),
        "http_requests_per_order": round(requests / args.count_orders, 1),
        "idle_transactions_per_s": round(idle_tx_per_s, 1),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
