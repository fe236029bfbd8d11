"""`sandbox chaos` as a user meets it: the catalog, refusals before anything starts, and
rollback when the run is interrupted with Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest

from tests.sandbox_control import SANDBOX_BIN, SandboxHandle, wait_for

pytestmark = pytest.mark.sandbox

SHIPPED = (
    "broker-restart", "broker-kill", "postgres-restart", "service-crash", "service-pause",
    "broker-latency", "broker-partition", "db-latency", "http-partition", "sse-isolation",
    "storefront-restart", "redelivery", "everything",
)  # fmt: skip


def proxies(sandbox: SandboxHandle) -> dict[str, dict[str, object]]:
    answer = httpx.get(f"http://127.0.0.1:{sandbox.port_base}/proxies", timeout=10)
    return dict(answer.json())


def test_the_catalog_lists_every_scenario_without_a_sandbox(new_sandbox: SandboxHandle) -> None:
    listed = new_sandbox.cli("chaos", "list").stdout
    for name in SHIPPED:
        assert name in listed


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("faults:\n  - at: 1s\n    for: 2s\n    toxic: latency\n    links: [nowhere->x]\n",
         ":8: faults[0].links[0]"),
        ("faults:\n  - at: 1s\n    for: -2s\n    pause: orders\n", ":6: faults[0].for"),
        ("faults:\n  - at: 1s\n    explode: orders\n", ":6: faults[0].explode"),
    ],
)  # fmt: skip
def test_a_bad_scenario_is_refused_before_anything_starts(
    shared_sandbox: SandboxHandle, tmp_path: Path, text: str, named: str
) -> None:
    scenario = tmp_path / "bad.yaml"
    header = (
        "description: bad\nworkload: {customers: 1, orders: 1, rate: 1}\nchecks: [durability]\n"
    )
    scenario.write_text(header + text)
    result = shared_sandbox.cli("chaos", str(scenario), "--out", str(tmp_path), check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert not list(tmp_path.glob("*.json")), "a refused scenario must not run"


def test_unknown_scenario_and_parameter_are_one_line_errors(shared_sandbox: SandboxHandle) -> None:
    unknown = shared_sandbox.cli("chaos", "meteor-strike", check=False)
    assert unknown.returncode == 2
    assert "broker-restart" in unknown.stderr  # the known names are listed
    wrong = shared_sandbox.cli(
        "chaos", "service-crash", "--param", "service=mainframe", check=False
    )
    assert wrong.returncode == 2
    assert "mainframe" in wrong.stderr
    assert "Traceback" not in unknown.stderr + wrong.stderr


def test_gate_refuses_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text('{"schema_version": 99}')
    result = subprocess.run(
        [str(SANDBOX_BIN), "gate", str(junk)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "schema version 99" in result.stderr
    assert "Traceback" not in result.stderr


def _interrupt_when(
    sandbox: SandboxHandle, scenario: str, tmp_path: Path, active: object, what: str
) -> subprocess.CompletedProcess[str]:
    run = subprocess.Popen(
        [str(SANDBOX_BIN), "chaos", scenario, "--seed", "5", "--out", str(tmp_path)],
        env=sandbox.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: run.poll() is None and active(), 90, what)  # type: ignore[operator]
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


def test_ctrl_c_during_a_network_fault_leaves_toxiproxy_clean(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    def cut() -> bool:
        return any(not p["enabled"] for p in proxies(shared_sandbox).values())

    result = _interrupt_when(shared_sandbox, "broker-partition", tmp_path, cut, "the link cut")
    assert result.returncode == 130, result.stderr
    assert "rolled back" in result.stderr
    assert all(p["enabled"] and not p["toxics"] for p in proxies(shared_sandbox).values())
    assert all(c["state"] == "ready" for c in shared_sandbox.status())


def test_ctrl_c_during_a_pause_resumes_the_process(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    pid = int(shared_sandbox.component("inventory")["pid"])

    def frozen() -> bool:
        return psutil.Process(pid).status() == psutil.STATUS_STOPPED

    result = _interrupt_when(shared_sandbox, "service-pause", tmp_path, frozen, "the pause")
    assert result.returncode == 130, result.stderr
    assert psutil.Process(pid).status() != psutil.STATUS_STOPPED
    assert shared_sandbox.component("inventory")["state"] == "ready"


def test_the_next_run_heals_what_a_killed_harness_left_behind(
    shared_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    run = subprocess.Popen(
        [str(SANDBOX_BIN), "chaos", "broker-latency", "--seed", "5", "--out", str(tmp_path)],
        env=shared_sandbox.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(
            lambda: any(p["toxics"] for p in proxies(shared_sandbox).values()), 90, "the toxic"
        )
    finally:
        run.kill()  # no chance to roll back
        run.wait()
    assert any(p["toxics"] for p in proxies(shared_sandbox).values())
    small = ("--orders", "4", "--customers", "2", "--rate", "4")
    shared_sandbox.cli(  # its own verdict does not matter here, only its steady state
        "chaos", "redelivery", "--seed", "5", *small, "--out", str(tmp_path), "--no-report",
        check=False,
    )  # fmt: skip
    [written] = tmp_path.glob("*-redelivery-seed5.*")  # --no-report: the JSON result alone
    result = json.loads(written.read_text())
    steady = next(c for c in result["checks"] if c["name"] == "steady-state")
    assert steady["passed"]
    assert any("removed leftover" in line for line in steady["evidence"])
    assert all(p["enabled"] and not p["toxics"] for p in proxies(shared_sandbox).values())
