"""A typed client for the sandbox's supervisord, over its private Unix socket."""

from __future__ import annotations

import socket
import subprocess
import sys
import xmlrpc.client
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, cast

from supervisor.xmlrpc import SupervisorTransport

from sandbox.errors import SupervisorError
from sandbox.state import StatePaths
from sandbox.waiting import wait_until

RUNNING = "RUNNING"
STARTED_STATES = {"STARTING", "RUNNING", "BACKOFF"}
STOPPED_STATES = {"STOPPED", "EXITED", "FATAL"}
TRANSPORT_ERRORS = (OSError, HTTPException, xmlrpc.client.ProtocolError, socket.timeout)


@dataclass(frozen=True)
class ProcessInfo:
    name: str
    state: str
    pid: int
    description: str


class Supervisor:
    """Start, stop and inspect the programs of one sandbox."""

    def __init__(self, paths: StatePaths) -> None:
        self._paths = paths

    def _proxy(self) -> Any:
        transport = SupervisorTransport(None, None, f"unix://{self._paths.supervisor_socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def _call(self, method: str, *args: object) -> Any:
        try:
            target = self._proxy()
            for part in method.split("."):
                target = getattr(target, part)
            return target(*args)
        except xmlrpc.client.Fault as exc:
            raise SupervisorError(f"supervisord refused {method}{args}: {exc.faultString}") from exc
        except TRANSPORT_ERRORS as exc:
            raise SupervisorError(f"cannot reach supervisord: {exc}") from exc

    def is_running(self) -> bool:
        if not self._paths.supervisor_socket.exists():
            return False
        try:
            state = cast(dict[str, Any], self._call("supervisor.getState"))
            return bool(state["statename"] == RUNNING)
        except SupervisorError:
            return False

    def launch(self, deadline_s: float = 15.0) -> None:
        """Start supervisord (it daemonizes itself) and wait until it answers."""
        self._paths.supervisor_socket.unlink(missing_ok=True)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "supervisor.supervisord",
                "-c",
                str(self._paths.supervisor_conf),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            reason = (result.stderr or result.stdout).strip().splitlines()
            raise SupervisorError(f"supervisord failed to start: {reason[-1] if reason else '?'}")
        wait_until(self.is_running, deadline_s, "supervisord did not answer on its socket")

    def supervisord_pid(self) -> int:
        return int(self._call("supervisor.getPID"))

    def info(self, name: str) -> ProcessInfo:
        return _to_info(self._call("supervisor.getProcessInfo", name))

    def all_info(self) -> dict[str, ProcessInfo]:
        return {raw["name"]: _to_info(raw) for raw in self._call("supervisor.getAllProcessInfo")}

    def start(self, name: str) -> None:
        """Ask supervisord to start ``name`` without blocking; a started program is left alone."""
        if self.info(name).state in STARTED_STATES:
            return
        try:
            self._call("supervisor.startProcess", name, False)
        except SupervisorError as exc:
            if "ALREADY_STARTED" not in str(exc):
                raise

    def stop(self, names: list[str], deadline_s: float) -> None:
        """Stop programs in parallel and wait until all are down."""
        for name in names:
            if self.info(name).state not in STOPPED_STATES:
                try:
                    self._call("supervisor.stopProcess", name, False)
                except SupervisorError as exc:
                    if "NOT_RUNNING" not in str(exc):
                        raise
        wait_until(
            lambda: all(self.info(n).state in STOPPED_STATES for n in names),
            deadline_s,
            f"programs did not stop: {', '.join(names)}",
        )

    def shutdown(self, deadline_s: float = 30.0) -> None:
        """Stop supervisord itself and wait until its process is gone."""
        pid = self.supervisord_pid()
        self._call("supervisor.shutdown")
        wait_until(lambda: not _pid_alive(pid), deadline_s, "supervisord did not exit")


def _to_info(raw: dict[str, Any]) -> ProcessInfo:
    return ProcessInfo(
        name=str(raw["name"]),
        state=str(raw["statename"]),
        pid=int(raw["pid"]),
        description=str(raw["description"]),
    )


def _pid_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
