"""Bringing components up in dependency order and waiting until each one is ready.

A single polling loop starts every component whose dependencies are ready, probes the
started ones, runs a component's provisioning hook once it answers, and fails with the
component's last log lines when its deadline passes or supervisord gives up on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.errors import NotReady
from sandbox.logs import tail
from sandbox.runtime import Runtime
from sandbox.supervisor_client import Supervisor

POLL_INTERVAL_S = 0.2
LOG_TAIL_LINES = 15

Reporter = Callable[[str, str], None]
Hook = Callable[[], None]


@dataclass
class _Pending:
    name: str
    started_at: float | None = None
    ready: bool = False
    last_reason: str = "waiting for dependencies"
    depends_on: tuple[str, ...] = field(default_factory=tuple)


def start_and_wait(
    runtime: Runtime,
    supervisor: Supervisor,
    names: list[str],
    on_ready: dict[str, Hook],
    report: Reporter,
) -> dict[str, float]:
    """Start ``names`` in dependency order; return seconds from the call to each one's readiness."""
    began = time.monotonic()
    pending = {
        name: _Pending(name, depends_on=tuple(d for d in runtime.depends_on(name) if d in names))
        for name in names
    }
    ready_after: dict[str, float] = {}
    while len(ready_after) < len(pending):
        for item in pending.values():
            if item.ready:
                continue
            if item.started_at is None:
                if all(pending[dep].ready for dep in item.depends_on):
                    supervisor.start(item.name)
                    item.started_at = time.monotonic()
                    report(item.name, "starting")
                continue
            _check(runtime, supervisor, item)
            if item.ready:
                hook = on_ready.get(item.name)
                if hook:
                    report(item.name, "provisioning")
                    hook()
                ready_after[item.name] = time.monotonic() - began
                report(item.name, "ready")
            else:
                report(item.name, item.last_reason)
        if len(ready_after) < len(pending):
            time.sleep(POLL_INTERVAL_S)
    return ready_after


def _check(runtime: Runtime, supervisor: Supervisor, item: _Pending) -> None:
    assert item.started_at is not None
    state = supervisor.info(item.name).state
    if state == "FATAL":
        _fail(runtime, item, "exited repeatedly and supervisord gave up (FATAL)")
    reason = runtime.probe(item.name)()
    if reason is None:
        item.ready = True
        return
    item.last_reason = f"{state.lower()}: {reason}"
    if time.monotonic() - item.started_at > runtime.deadline(item.name):
        _fail(
            runtime,
            item,
            f"not ready within {runtime.deadline(item.name):.0f} s ({item.last_reason})",
        )


def _fail(runtime: Runtime, item: _Pending, why: str) -> None:
    log = runtime.paths.log_file(item.name)
    raise NotReady(f"{item.name} {why}; log: {log}", item.name, tail(log, LOG_TAIL_LINES))
