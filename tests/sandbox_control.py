"""Helpers for tests that drive real sandboxes through the ``sandbox`` CLI.

Every sandbox a test starts is stopped by pid in a finalizer, whatever the test's outcome,
so no PostgreSQL, RabbitMQ, Toxiproxy or service process outlives the test session.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

SANDBOX_BIN = Path(sys.executable).parent / "sandbox"
CLI_DEADLINE_S = 240.0


@dataclass
class SandboxHandle:
    """A sandbox in its own state folder with its own port base."""

    state_dir: Path
    port_base: int

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
        env["SANDBOX_STATE_DIR"] = str(self.state_dir)
        env.update(extra)
        return env

    def cli(
        self, *args: str, check: bool = True, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(SANDBOX_BIN), *args],
            env=self.env(**extra_env),
            capture_output=True,
            text=True,
            timeout=CLI_DEADLINE_S,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"sandbox {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def up(self) -> subprocess.CompletedProcess[str]:
        return self.cli("up", "--port-base", str(self.port_base))

    def status(self) -> list[dict[str, Any]]:
        result = self.cli("status", "--json", check=False)
        if result.returncode not in (0, 1):
            raise AssertionError(f"status failed: {result.stderr}")
        return list(json.loads(result.stdout))

    def component(self, name: str) -> dict[str, Any]:
        return next(c for c in self.status() if c["name"] == name)

    def secrets(self) -> dict[str, str]:
        return dict(json.loads((self.state_dir / "secrets.json").read_text()))

    def processes(self) -> list[psutil.Process]:
        """Every live process that belongs to this sandbox."""
        found: dict[int, psutil.Process] = {}
        pidfile = self.state_dir / "run" / "supervisord.pid"
        if pidfile.exists():
            try:
                root = psutil.Process(int(pidfile.read_text().strip()))
                if "supervisord" in " ".join(root.cmdline()):
                    found[root.pid] = root
                    found.update({p.pid: p for p in root.children(recursive=True)})
            except (psutil.Error, ValueError):
                pass
        marker = str(self.state_dir)
        for proc in psutil.process_iter(["cmdline", "status"]):
            try:
                if proc.info["status"] == psutil.STATUS_ZOMBIE:
                    continue
                if marker in " ".join(proc.info["cmdline"] or []):
                    found[proc.pid] = proc
            except psutil.Error:
                continue
        return [p for p in found.values() if _alive(p)]

    def destroy(self) -> None:
        """Stop through the CLI; then kill by pid whatever is left; then remove the folder."""
        if self.state_dir.exists():
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.cli("down", "--purge", check=False)
        leftovers = self.processes()
        for proc in leftovers:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(leftovers, timeout=10)
        shutil.rmtree(self.state_dir, ignore_errors=True)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_for(condition: Callable[[], bool], deadline_s: float, what: str) -> None:
    """Poll until ``condition`` holds; fail with ``what`` after the deadline."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(0.1)
