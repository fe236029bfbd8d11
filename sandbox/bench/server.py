"""Start and stop the bench's HTTP app (``http_app``) in a uvicorn subprocess on a free
loopback port, with the same uvicorn flags as the sandbox's services."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from socket import socket
from typing import IO

import httpx

from sandbox.binaries import PROJECT_ROOT
from sandbox.errors import NotReady

APP = "sandbox.bench.http_app:create_app"
READY_DEADLINE_S = 30.0
STOP_DEADLINE_S = 10.0


@dataclass(frozen=True)
class BenchServer:
    url: str
    pid: int


def free_port() -> int:
    """A port nobody listens on now (picked by the kernel, then released for uvicorn)."""
    with socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", APP, "--factory",
        "--host", "127.0.0.1", "--port", str(port),
        "--timeout-keep-alive", "75", "--no-access-log",
    ]  # fmt: skip


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)  # poll interval while waiting for readiness (bounded by deadline)
    log.seek(0)
    tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
    raise NotReady(f"the bench HTTP server at {url} did not become ready", "bench-http", tail)


@contextmanager
def bench_server() -> Iterator[BenchServer]:
    """The app running and ready; stopped (by pid) on the way out, whatever happened."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            server_command(port), cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(process, url, log)
            yield BenchServer(url, process.pid)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_DEADLINE_S)
