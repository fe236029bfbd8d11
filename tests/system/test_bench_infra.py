"""`sandbox bench infra` on a real sandbox: every unit measured with a plausible cost, and
nothing left behind (scratch queue, scratch table, bench HTTP server)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from sandbox.bench import read_bench
from tests.sandbox_control import SandboxHandle

pytestmark = pytest.mark.sandbox

BENCH_DEADLINE_S = 90.0
UNITS = ("message", "transaction", "http_server", "http_client", "sse_event")


def bench(sandbox: SandboxHandle, *args: str) -> subprocess.CompletedProcess[str]:
    return sandbox.cli("bench", *args, check=False)


def bench_servers() -> set[int]:
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        if "sandbox.bench.http_app:create_app" in " ".join(process.info["cmdline"] or []):
            found.add(process.pid)
    return found


def test_every_unit_gets_a_plausible_cost_and_nothing_is_left_behind(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    servers_before = bench_servers()
    result = bench(shared_sandbox, "infra", "--seconds", "1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    files = list(tmp_path.glob("*-bench-infra.json"))
    assert len(files) == 1, list(tmp_path.iterdir())
    assert str(files[0]) in result.stdout.replace("\n", "")
    units = json.loads(files[0].read_text())["units"]
    assert set(units) == set(UNITS)
    for name, unit in units.items():
        assert unit["count"] > 0, name
        assert 0.01 < unit["ms_cpu_per_unit"] < 100, (name, unit)
        assert unit["per_s"] > 0, name
    assert set(units["message"]["cpu_ms_by_part"]) == {"client", "rabbitmq"}
    assert set(units["transaction"]["cpu_ms_by_part"]) == {"client", "postgres"}
    assert read_bench(files[0]).cores >= 1

    queues = httpx.get(
        f"http://127.0.0.1:{shared_sandbox.port_base + 3}/api/queues/%2Fcritter",
        auth=("critter_admin", shared_sandbox.secrets()["rabbitmq/admin"]),
        timeout=10,
    ).json()
    assert [q["name"] for q in queues if q["name"].startswith("bench-scratch-")] == []
    dsn = (
        f"host=127.0.0.1 port={shared_sandbox.port_base + 1} dbname=orders user=sandbox_admin "
        f"password={shared_sandbox.secrets()['postgres/admin']}"
    )
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute("SELECT to_regclass('bench_scratch')").fetchone()
    assert row == (None,)
    assert bench_servers() - servers_before == set()
    # The load test takes the unit costs and states its ceiling and the ratio to it.
    load = shared_sandbox.cli(
        "loadtest", "4", "--duration", "10", "--think", "0.2", "--pace", "2",
        "--first-customer", "1780", "--bench", str(files[0]), "--out", str(tmp_path / "load"),
        check=False,
    )  # fmt: skip
    assert "Traceback" not in load.stderr, load.stderr
    [run] = (tmp_path / "load").glob("*-loadtest-4-*.json")
    figures = json.loads(run.read_text())["figures"]
    assert figures["transactions_per_order"] > 0
    assert figures["published_per_order"] > 0
    assert figures["bare_ceiling_orders_per_s"] > 0
    assert (
        0
        < figures["ratio_to_bare_ceiling"]
        == pytest.approx(
            figures["completed_orders_per_s"] / figures["bare_ceiling_orders_per_s"], rel=0.01
        )
    )


def test_an_unknown_unit_and_a_missing_sandbox_are_one_line_errors(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    unknown = bench(shared_sandbox, "infra", "--only", "message", "--only", "disk")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "error: unknown unit disk; choose from: message, transaction, http, sse"
    )
    elsewhere = SandboxHandle(tmp_path / "none", shared_sandbox.port_base)
    missing = bench(elsewhere, "infra", "--seconds", "1")
    assert missing.returncode == 6
    assert missing.stderr.strip().splitlines() == [
        f"error: no sandbox is running in {tmp_path / 'none'}; run `sandbox up`"
    ]
    assert list(tmp_path.glob("**/*.json")) == []
