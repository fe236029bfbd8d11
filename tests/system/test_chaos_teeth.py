"""The harness has teeth: the healthy build passes each scenario, and each defect switch
makes the matching scenario fail on the check that names the flaw.

Every run is the shipped scenario, driven through the CLI against a real sandbox, with a
fixed seed; verdicts are read back from the result file and through `sandbox gate`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox_control import SandboxHandle

pytestmark = pytest.mark.sandbox

SEED = "20261127"


def run_chaos(sandbox: SandboxHandle, scenario: str, out: Path) -> tuple[int, dict[str, Any]]:
    result = sandbox.cli("chaos", scenario, "--seed", SEED, "--out", str(out), check=False)
    assert "Traceback" not in result.stderr, result.stderr
    files = sorted(out.glob(f"*-{scenario}-seed{SEED}.json"))
    assert len(files) == 1, f"one result file expected in {out}: {result.stdout}{result.stderr}"
    return result.returncode, json.loads(files[0].read_text())


def verdicts(result: dict[str, Any]) -> dict[str, bool]:
    return {check["name"]: check["passed"] for check in result["checks"]}


def toxiproxy_is_clean(sandbox: SandboxHandle) -> bool:
    proxies = httpx.get(f"http://127.0.0.1:{sandbox.port_base}/proxies", timeout=10).json()
    return all(p["enabled"] and not p["toxics"] for p in proxies.values())


@pytest.mark.parametrize("scenario", ["broker-restart", "sse-isolation", "redelivery"])
def test_the_healthy_build_passes(
    shared_sandbox: SandboxHandle, scenario: str, tmp_path: Path
) -> None:
    code, result = run_chaos(shared_sandbox, scenario, tmp_path)
    failed = [c for c in result["checks"] if not c["passed"]]
    assert code == 0, f"{scenario} failed on the healthy build: {failed}"
    assert result["passed"] is True
    assert result["seed"] == int(SEED)
    assert result["timeline"], "the scenario injected no fault"
    assert all(fault["happened"] for fault in result["timeline"])
    assert result["workload"]["acknowledged"] > 0
    assert toxiproxy_is_clean(shared_sandbox)
    assert all(c["state"] == "ready" for c in shared_sandbox.status())
    gate = shared_sandbox.cli("gate", *map(str, tmp_path.glob("*.json")), check=False)
    assert gate.returncode == 0, gate.stdout
    # The run's reports were written beside its result, one JUnit case per check.
    [junit] = tmp_path.glob(f"*-{scenario}-seed{SEED}.junit.xml")
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    assert [case.get("name") for case in cases] == [
        f"{check['kind']}/{check['name']}" for check in result["checks"]
    ]
    assert len(list(tmp_path.glob(f"*-{scenario}-seed{SEED}.*"))) == 4  # json html xml md
    # Live figures before, during each fault and after, read from the parts themselves.
    snapshots = result["snapshots"]
    assert [s["label"] for s in snapshots] == [
        "before",
        *(f"during {fault['label']}" for fault in result["timeline"]),
        "after",
    ]
    assert snapshots[0]["queues"]
    assert not snapshots[0]["unreadable"]
    if scenario == "broker-restart":  # the broker is down for seconds of its restart
        assert any(part.startswith("rabbitmq") for part in snapshots[1]["unreadable"])
    [markdown] = tmp_path.glob(f"*-{scenario}-seed{SEED}.md")
    assert "Live figures before, during and after" in markdown.read_text()


@pytest.mark.parametrize(
    ("defect", "scenario", "caught_by"),
    [
        ("transient-broker", "broker-restart", {"orders-not-lost", "sse-final-events"}),
        ("no-outbox", "broker-restart", {"orders-not-lost"}),
        ("global-sse", "sse-isolation", {"sse-no-leak"}),
        ("no-inbox", "redelivery", {"no-duplicate-effects"}),
    ],
)
def test_each_defect_fails_the_matching_check(
    new_sandbox: SandboxHandle, defect: str, scenario: str, caught_by: set[str], tmp_path: Path
) -> None:
    new_sandbox.cli("up", "--port-base", str(new_sandbox.port_base), "--defect", defect)
    code, result = run_chaos(new_sandbox, scenario, tmp_path)
    assert code == 1, f"{scenario} passed with the {defect} defect switched on"
    failed = {name for name, passed in verdicts(result).items() if not passed}
    assert failed & caught_by, f"{defect}: expected one of {caught_by} to fail, failed: {failed}"
    assert verdicts(result)["faults-happened"], "the fault itself must have happened"
    evidence = [e for c in result["checks"] if c["name"] in caught_by for e in c["evidence"]]
    assert evidence, "a failed check must name the orders or events it caught"
    gate = new_sandbox.cli("gate", *map(str, tmp_path.glob("*.json")), check=False)
    assert gate.returncode == 3, gate.stdout  # the invariant class, however many SLAs broke too
    assert "gate failed (exit 3: an invariant was violated)" in gate.stdout


def test_load_orders_are_checked_too_a_missing_inbox_is_caught_under_load(
    new_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    new_sandbox.cli("up", "--port-base", str(new_sandbox.port_base), "--defect", "no-inbox")
    run = new_sandbox.cli(
        "loadtest", "10", "--duration", "20", "--think", "0.2", "--pace", "2",
        "--with", "redelivery", "--out", str(tmp_path), check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr
    [path] = tmp_path.glob("*-loadtest-10-with-redelivery-*.json")
    result = json.loads(path.read_text())
    assert run.returncode == 1, "the load passed with the no-inbox defect switched on"
    assert verdicts(result)["faults-happened"]
    assert not verdicts(result)["no-duplicate-effects"]
    doubled = next(c for c in result["checks"] if c["name"] == "no-duplicate-effects")
    assert doubled["evidence"], "the check must name the orders it caught"
