"""The load engine (``python -m sandbox.loadtest.main``) against a real sandbox.

What it reports must match ground truth: every sample is an order in the Orders database,
of that customer, past Confirmed; every checkout sent is either a sample or an order
error; no customer saw another's events. With ``workers`` the same holds through Locust's
master/worker channel, and no worker process outlives the run. A bad config is refused
with exit code 2 and one line, before any load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest

from tests.sandbox_control import SandboxHandle

pytestmark = pytest.mark.sandbox

ORDER_ERROR_KINDS = {"http", "timeout", "unexpected-state"}
CHECKOUT = "POST /api/storefront/checkout"
REACHED_CONFIRMED = {"Confirmed", "Shipped", "Delivered"}
MARGIN_S = 60.0  # process start, imports and the last stop, on a busy 2-core machine


def engine(config: dict[str, Any], tmp_path: Path, timeout_s: float) -> tuple[int, str, Path]:
    """Run the engine to its end (killed, by pid, if it overruns); (exit code, stderr, out)."""
    config_path, output = tmp_path / "load.json", tmp_path / "out.json"
    config_path.write_text(json.dumps(config))
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.loadtest.main", str(config_path), str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"the engine overran its bound of {timeout_s:.0f} s") from None
    return process.returncode, stderr, output


def orders_in_database(sandbox: SandboxHandle, ids: list[str]) -> dict[str, tuple[str, str]]:
    """order id -> (customer id, status), read as an operator would."""
    with psycopg.connect(
        host="127.0.0.1",
        port=sandbox.port_base + 1,
        dbname="orders",
        user="sandbox_admin",
        password=sandbox.secrets()["postgres/admin"],
    ) as connection:
        rows = connection.execute(
            "SELECT id::text, customer_id::text, status FROM orders WHERE id = ANY(%s::uuid[])",
            (ids,),
        ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def leftover_workers(config_path: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "sandbox.loadtest.main" in cmdline and str(config_path) in cmdline:
            found.append(process)
    return found


@pytest.mark.parametrize("workers", [0, 2])
def test_every_reported_order_is_real_and_every_checkout_is_accounted_for(
    shared_sandbox: SandboxHandle, tmp_path: Path, workers: int
) -> None:
    storefront = shared_sandbox.component("storefront")["port"]
    config = {
        "storefront_urls": [f"http://127.0.0.1:{storefront}"],
        "users": 20,
        "spawn_rate": 20,
        "duration_s": 40,
        "think_s": 0.2,
        "pace_s": 2,
        "max_orders_per_user": 2,
        "first_customer": 1500,
        "completion_timeout_s": 60,
        "seed": 7,
        "workers": workers,
    }
    bound = config["duration_s"] + config["completion_timeout_s"] + MARGIN_S
    try:
        code, stderr, output = engine(config, tmp_path, bound)
        assert code == 0, stderr
    finally:
        leftovers = leftover_workers(tmp_path / "load.json")
        for process in leftovers:
            process.kill()
    assert not leftovers, f"worker processes outlived the run: {[p.pid for p in leftovers]}"

    result = json.loads(output.read_text())
    samples, errors = result["samples"], result["errors"]
    assert samples, f"no order completed; errors: {errors[:5]}"
    assert len(samples) == result["orders_completed"]
    order_errors = [
        e for e in errors if e["endpoint"] == CHECKOUT and e["kind"] in ORDER_ERROR_KINDS
    ]
    assert result["orders_offered"] == result["orders_completed"] + len(order_errors), errors
    assert result["orders_offered"] <= 20 * 2
    assert result["leaked_events"]["count"] == 0, result["leaked_events"]["examples"]
    assert result["users"] == 20
    assert result["generator_cpu_s"] > 0
    assert CHECKOUT in result["requests"]
    assert result["requests"]["ORDER checkout -> Confirmed"]["count"] == result["orders_offered"]

    recorded = orders_in_database(shared_sandbox, [s["order_id"] for s in samples])
    for sample in samples:
        assert 0 < sample["latency_s"] < config["completion_timeout_s"], sample
        assert sample["order_id"] in recorded, f"order {sample['order_id']} is not in Orders"
        customer, status = recorded[sample["order_id"]]
        assert customer == sample["customer_id"], sample
        assert status in REACHED_CONFIRMED, (sample, status)
    assert len({s["order_id"] for s in samples}) == len(samples), "an order was counted twice"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"users": 0}, "users must be at least 1"),
        ({"userz": 5}, "unknown load config key(s): userz"),
        ({"completion_status": "Placed"}, "completion_status"),
        ({"ramp_steps": [[0, 5], [2, 20]]}, "ramp's peak"),
    ],
)
def test_a_bad_config_is_refused_with_one_line(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    config = {
        "storefront_urls": ["http://127.0.0.1:9"],
        "users": 10,
        "spawn_rate": 10,
        "duration_s": 5,
    } | change
    code, stderr, output = engine(config, tmp_path, 60)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert named in lines[0]
    assert not output.exists(), "a refused config must not produce results"
