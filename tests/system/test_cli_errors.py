"""Bad input and missing prerequisites: one line, non-zero exit, nothing started."""

from __future__ import annotations

import os
import socket

import pytest

from tests.sandbox_control import SandboxHandle


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_busy_port_is_one_line_and_starts_nothing(new_sandbox: SandboxHandle) -> None:
    with socket.socket() as squatter:
        # A sandbox of an earlier test may have used this base: its closed connections can
        # linger in TIME_WAIT, which only blocks a bind without SO_REUSEADDR.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", new_sandbox.port_base + 1))  # the PostgreSQL port
        squatter.listen()
        result = new_sandbox.cli("up", "--port-base", str(new_sandbox.port_base), check=False)
    assert result.returncode != 0
    assert_one_line_error(
        result.stderr, str(new_sandbox.port_base + 1), "postgres", "already in use"
    )
    assert new_sandbox.processes() == []


@pytest.mark.parametrize(
    ("variable", "named"),
    [("SANDBOX_TOXIPROXY_BIN", "toxiproxy-server"), ("SANDBOX_RABBITMQ_SERVER", "rabbitmq-server")],
)
def test_missing_binary_is_one_line_with_the_fix(
    new_sandbox: SandboxHandle, variable: str, named: str
) -> None:
    result = new_sandbox.cli(
        "up", "--port-base", str(new_sandbox.port_base), check=False, **{variable: "/nonexistent"}
    )
    assert result.returncode != 0
    assert_one_line_error(result.stderr, named, "sandbox doctor --install")
    assert new_sandbox.processes() == []


@pytest.mark.parametrize(
    "args",
    [["up", "--no-such-flag"], ["up", "--port-base", "many"], ["up", "--port-base", "80"],
     ["up", "--replicas", "0"], ["up", "--replicas", "9"], ["frobnicate"],
     ["logs", "nothing-like-this"]],
)  # fmt: skip
def test_bad_input_is_one_line(new_sandbox: SandboxHandle, args: list[str]) -> None:
    result = new_sandbox.cli(*args, check=False)
    assert result.returncode != 0
    assert_one_line_error(result.stderr)


def test_commands_on_a_stopped_sandbox_say_so(new_sandbox: SandboxHandle) -> None:
    result = new_sandbox.cli("status", check=False)
    assert result.returncode != 0
    assert_one_line_error(result.stderr, "no sandbox is running")
    assert "not running" in new_sandbox.cli("down").stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands PostgreSQL to another user")
def test_state_folder_the_postgres_user_cannot_reach_is_refused(
    new_sandbox: SandboxHandle,
) -> None:
    private = new_sandbox.state_dir.parent / "private-parent"
    private.mkdir(mode=0o700)
    hidden = SandboxHandle(private / "state", new_sandbox.port_base)
    try:
        result = hidden.cli("up", "--port-base", str(hidden.port_base), check=False)
        assert result.returncode != 0
        assert_one_line_error(result.stderr, "cannot enter", str(private))
        assert hidden.processes() == []
    finally:
        hidden.destroy()
        private.rmdir()
