"""A crashed service comes back by itself, as under an orchestrator."""

from __future__ import annotations

import os
import signal

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
