"""Session fixtures: one shared real sandbox, plus factories for tests that need their own."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from tests.sandbox_control import SandboxHandle

# Below the kernel's ephemeral range (32768+) so outgoing connections never take our ports,
# and away from the default base (24000) so a developer's own sandbox can keep running.
TEST_PORT_BASE = int(os.environ.get("TEST_PORT_BASE", "28000"))


def pytest_configure(config: pytest.Config) -> None:
    """Treat SIGTERM (a CI timeout, a supervisor) like Ctrl-C, so fixtures still stop every
    sandbox they started instead of leaving PostgreSQL and RabbitMQ running."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="session")
def sandbox_root() -> Iterator[Path]:
    # Not pytest's tmp_path: its parents are private to root, and PostgreSQL runs as the
    # unprivileged `postgres` user, who must be able to reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="critter-tests-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_sandbox(sandbox_root: Path) -> Iterator[SandboxHandle]:
    """One running sandbox for every test that does not need a fresh one."""
    handle = SandboxHandle(sandbox_root / "shared", TEST_PORT_BASE)
    try:
        handle.up()
        yield handle
    finally:
        handle.destroy()


@pytest.fixture
def new_sandbox(sandbox_root: Path, request: pytest.FixtureRequest) -> Iterator[SandboxHandle]:
    """A sandbox of the test's own (not started), destroyed by pid afterwards."""
    offset = 200 * (1 + len(list(sandbox_root.iterdir())))
    name = request.node.name.replace("[", "-").replace("]", "")[:30]
    handle = SandboxHandle(sandbox_root / name, TEST_PORT_BASE + offset)
    try:
        yield handle
    finally:
        handle.destroy()
