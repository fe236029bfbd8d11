"""`sandbox loadtest` on a real sandbox: short bounded runs, judged against SLA files, with
the samples cross-checked against the Orders database and a latency fault made visible."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
import psycopg
import pytest

from tests.sandbox_control import SandboxHandle

pytestmark = pytest.mark.sandbox

SHORT = ("--duration", "15", "--think", "0.2", "--pace", "2")


def loadtest(
    sandbox: SandboxHandle, users: int, first: int, out: Path, *extra: str
) -> tuple[int, dict[str, Any] | None, str]:
    result = sandbox.cli(
        "loadtest", str(users), *SHORT, "--first-customer", str(first), "--out", str(out),
        *extra, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    files = sorted(out.glob("*-loadtest-*.json"))
    return result.returncode, json.loads(files[-1].read_text()) if files else None, result.stderr


def orders_db(sandbox: SandboxHandle, query: str, *params: object) -> list[tuple[Any, ...]]:
    dsn = (
        f"host=127.0.0.1 port={sandbox.port_base + 1} dbname=orders user=sandbox_admin "
        f"password={sandbox.secrets()['postgres/admin']}"
    )
    with psycopg.connect(dsn, autocommit=True) as connection:
        return list(connection.execute(query, params).fetchall())


def customer_id(number: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"mailto:customer{number:04d}@example.com")


def test_a_short_run_is_judged_and_every_sample_is_an_order_in_the_database(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    code, result, stderr = loadtest(shared_sandbox, 12, 1700, tmp_path)
    assert result is not None, stderr
    assert code == (0 if result["passed"] else 1)
    names = [check["name"] for check in result["checks"]]
    assert names[:3] == ["latency-p90", "latency-p98", "error-rate"]
    figures = result["figures"]
    samples = int(figures["latency_count"])
    failed = result["workload"]["failed"]
    assert samples > 0
    started = datetime.fromisoformat(result["started_at"])
    customers = [customer_id(n) for n in range(1700, 1712)]
    placed = orders_db(
        shared_sandbox,
        "SELECT status FROM orders WHERE customer_id = ANY(%s) AND placed_at >= %s",
        customers,
        started,
    )
    confirmed = [s for (s,) in placed if s in ("Confirmed", "Shipped", "Delivered")]
    assert failed == 0, result["checks"]
    assert samples == len(confirmed) == len(placed) == result["workload"]["attempted"]
    assert figures["cpu_per_completed_order_ms"] > 0
    assert "http POST /api/storefront/checkout count" in figures
    gate = shared_sandbox.cli("gate", str(next(tmp_path.glob("*.json"))), check=False)
    assert gate.returncode == code
    # Its reports lie beside it, rendered from the result: one JUnit case per check, and
    # the Markdown's first line is the verdict; the orders are the ones the Orders DB holds.
    [junit] = tmp_path.glob("*-loadtest-12-*.junit.xml")
    cases = list(ElementTree.parse(junit).getroot().iter("testcase"))
    assert [case.get("name", "").split("/")[1] for case in cases] == names
    [markdown] = tmp_path.glob("*-loadtest-12-*.md")
    verdict = "PASSED" if result["passed"] else "FAILED"
    assert markdown.read_text().startswith(f"## critter-sandbox: {verdict}")
    [html] = tmp_path.glob("*-loadtest-12-*.html")
    assert 'data-chart="latency"' in html.read_text()
    ok = [point for point in result["orders"] if point["latency_s"] is not None]
    assert len(ok) == samples
    assert "unknown" not in (result["environment"]["postgresql"], result["environment"]["rabbitmq"])
    snapshots = result["snapshots"]
    assert [s["label"] for s in snapshots] == ["before", "peak of the workload", "after"]
    assert not any(s["unreadable"] for s in snapshots)
    assert "storefront" in snapshots[1]["services"]


def test_an_impossible_sla_fails_the_run_and_the_gate(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sla = tmp_path / "impossible.toml"
    sla.write_text('completion = "Confirmed"\n[latency]\np90 = 0.001\n[errors]\nrate = 0.01\n')
    code, result, _ = loadtest(shared_sandbox, 4, 1720, tmp_path, "--sla", str(sla))
    assert code == 1
    assert result is not None
    failed = [c["name"] for c in result["checks"] if not c["passed"]]
    assert "latency-p90" in failed
    gate = shared_sandbox.cli("gate", str(next(tmp_path.glob("*.json"))), check=False)
    assert gate.returncode == 1


def test_an_sla_with_a_typo_is_refused_before_any_load(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    sla = tmp_path / "typo.toml"
    sla.write_text('completion = "Confirmed"\n[latency]\np9o = 5.0\n[errors]\nrate = 0.01\n')
    code, result, stderr = loadtest(shared_sandbox, 4, 1730, tmp_path, "--sla", str(sla))
    assert code == 2
    assert result is None, "a refused SLA must not start a run"
    assert len(stderr.strip().splitlines()) == 1
    assert "latency.p9o" in stderr


def test_a_slow_broker_link_for_orders_shows_in_the_measured_latency(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    _, base, _ = loadtest(shared_sandbox, 4, 1740, tmp_path / "base")
    assert base is not None
    toxics = f"http://127.0.0.1:{shared_sandbox.port_base}/proxies/orders-%3Erabbitmq/toxics"
    toxic = {"name": "slow", "type": "latency", "stream": "downstream",
             "attributes": {"latency": 3000, "jitter": 0}}  # fmt: skip
    httpx.post(toxics, json=toxic, timeout=10).raise_for_status()
    try:
        _, slow, _ = loadtest(shared_sandbox, 4, 1750, tmp_path / "slow")
    finally:
        httpx.delete(f"{toxics}/slow", timeout=10).raise_for_status()
    assert slow is not None
    before, after = base["figures"]["latency_p90"], slow["figures"]["latency_p90"]
    assert after >= before + 2.5, f"p90 {before} s -> {after} s with 3 s on orders->rabbitmq"


def test_with_a_scenario_its_faults_run_and_every_load_order_is_checked(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    code, result, stderr = loadtest(
        shared_sandbox, 8, 1760, tmp_path, "--with", "service-pause", "--param", "service=orders"
    )
    assert result is not None, stderr
    assert result["scenario"] == "loadtest-8-with-service-pause"
    assert result["arguments"]["service"] == "orders"
    verdict = {check["name"]: check for check in result["checks"]}
    for name in ("steady-state", "drained", "orders-not-lost", "no-duplicate-effects",
                 "stock-conserved", "dead-letters-explained", "faults-happened", "rolled-back",
                 "sse-no-leak"):  # fmt: skip
        assert verdict[name]["passed"], verdict[name]
    [pause] = result["timeline"]
    assert pause["happened"]
    assert "SIGSTOP" in pause["evidence"]
    checked = verdict["orders-not-lost"]["figures"]["acknowledged"]
    assert checked == result["workload"]["acknowledged"] > 0
    labels = [snapshot["label"] for snapshot in result["snapshots"]]
    assert labels == ["before", f"during {pause['label']}", "after"]
    assert all(c["state"] == "ready" for c in shared_sandbox.status())
    assert code == (0 if result["passed"] else 1)


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (("--with", "no-such-scenario"), "no-such-scenario"),
        (("--with", "broker-restart", "--duration", "3"), "faults end"),
        (("--param", "service=orders"), "--param needs --with"),
        (("--with", "service-crash", "--param", "service=all"), "one scenario"),
    ],
)
def test_a_bad_with_is_refused_before_any_load(
    shared_sandbox: SandboxHandle, tmp_path: Path, arguments: tuple[str, ...], reason: str
) -> None:
    result = shared_sandbox.cli("loadtest", "4", "--out", str(tmp_path), *arguments, check=False)
    assert result.returncode == 2, result.stderr
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not list(tmp_path.glob("*.json"))
