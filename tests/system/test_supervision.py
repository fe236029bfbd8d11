"""A crashed service comes back by itself, as under an orchestrator."""

from __future__ import annotations

import os
import signal

import httpx
import psutil
import pytest

from tests.sandbox_control import SandboxHandle, wait_for

pytestmark = pytest.mark.sandbox


def test_killed_service_is_restarted_and_becomes_ready(shared_sandbox: SandboxHandle) -> None:
    old_pid = shared_sandbox.component("catalog")["pid"]
    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: not psutil.pid_exists(old_pid) or _zombie(old_pid), 10, "the kill to land")

    def back_and_ready() -> bool:
        catalog = shared_sandbox.component("catalog")
        return catalog["state"] == "ready" and catalog["pid"] not in (None, old_pid)

    wait_for(back_and_ready, 60, "supervisord to restart catalog and catalog to be ready")


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("component", ["postgres", "toxiproxy"])
def test_service_recovers_after_a_dependency_restart(
    shared_sandbox: SandboxHandle, component: str
) -> None:
    old_pid = shared_sandbox.component(component)["pid"]
    shared_sandbox.cli("restart", component)
    assert shared_sandbox.component(component)["pid"] != old_pid

    def catalog_serves() -> bool:
        port = shared_sandbox.component("catalog")["port"]
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/api/products/DOG-BOWL-001", timeout=5)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    wait_for(catalog_serves, 30, f"catalog to serve again after restarting {component}")
    assert shared_sandbox.component("catalog")["state"] == "ready"
