"""Process faults: restart, kill and pause a component, and always undo them.

Every fault is checked to have happened (a new pid after a restart or kill, the processes
seen stopped during a pause); a fault that did not happen makes the run invalid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass, field

import psutil

from chaos.faults import ProcessAction, ProcessFault
from chaos.target import ComponentControl

POLL_S = 0.1


class FaultNotObserved(RuntimeError):
    """The fault was requested but its effect could not be seen."""


@dataclass
class ProcessInjector:
    control: ComponentControl
    ready_deadline_s: float = 120.0
    _paused: dict[str, list[int]] = field(default_factory=dict)

    def apply(self, fault: ProcessFault) -> str:
        """Inject ``fault``; for restart and kill, return once the component is ready again."""
        name = fault.target
        before = self.control.pid(name)
        if fault.action is ProcessAction.PAUSE:
            return self._pause(name)
        if fault.action is ProcessAction.RESTART:
            self.control.stop(name)
            self.control.start(name)
        else:
            pids = self.control.process_tree(name)
            if not pids:
                raise FaultNotObserved(f"{name} has no running process to kill")
            for pid in pids:
                _signal(pid, signal.SIGKILL)
            self._wait_back(name, before)
        after = self.control.pid(name)
        if after is None:
            raise FaultNotObserved(f"{name} has no process after the {fault.action.value}")
        if after == before:
            raise FaultNotObserved(f"{name} kept pid {before} through a {fault.action.value}")
        return f"{name} pid {before} -> {after}, ready again"

    def end(self, fault: ProcessFault) -> None:
        """The end of the fault's duration: a paused component resumes."""
        if fault.action is ProcessAction.PAUSE:
            self._resume(fault.target)

    def rollback(self, fault: ProcessFault) -> None:
        """Leave the component running and ready, whatever happened before."""
        self._resume(fault.target)
        self.control.start(fault.target)

    def rollback_all(self) -> None:
        for name in list(self._paused):
            self._resume(name)

    def _pause(self, name: str) -> str:
        pids = self.control.process_tree(name)
        if not pids:
            raise FaultNotObserved(f"{name} has no running process to pause")
        self._paused[name] = pids
        for pid in pids:
            _signal(pid, signal.SIGSTOP)
        stopped = [pid for pid in pids if _status(pid) == psutil.STATUS_STOPPED]
        if not stopped:
            raise FaultNotObserved(f"none of {name}'s processes {pids} is stopped")
        return f"{name}: {len(stopped)}/{len(pids)} processes stopped (SIGSTOP)"

    def _resume(self, name: str) -> None:
        for pid in self._paused.pop(name, []):
            _signal(pid, signal.SIGCONT)

    def _wait_back(self, name: str, before: int | None) -> None:
        end = time.monotonic() + self.ready_deadline_s
        while True:
            now = self.control.pid(name)
            if now is not None and now != before and self.control.is_ready(name):
                return
            if time.monotonic() > end:
                raise FaultNotObserved(
                    f"{name} was not restarted and ready within {self.ready_deadline_s:.0f} s "
                    "after the kill"
                )
            time.sleep(POLL_S)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # gone already: nothing to stop or resume
        os.kill(pid, sig)


def _status(pid: int) -> str | None:
    # A stopped process reports "stopped" as soon as the signal is delivered; give it a beat.
    end = time.monotonic() + 2.0
    while True:
        try:
            status = str(psutil.Process(pid).status())
        except psutil.Error:
            return None
        if status == psutil.STATUS_STOPPED or time.monotonic() > end:
            return status
        time.sleep(0.02)


def resume_if_stopped(pid: int) -> bool:
    """SIGCONT ``pid`` if it is frozen (a pause whose harness died); True if it was."""
    try:
        frozen = psutil.Process(pid).status() == psutil.STATUS_STOPPED
    except psutil.Error:
        return False
    if frozen:
        _signal(pid, signal.SIGCONT)
    return frozen
