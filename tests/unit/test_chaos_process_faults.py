"""The process injector against real child processes (``sleep``) behind a fake control.

The fake stands in for a sandbox backend: it owns one component whose work is a ``sleep``
child and, when supervised, starts a new one once the old one has died, as supervisord would.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator

import psutil
import pytest

from chaos.faults import ProcessAction, ProcessFault
from chaos.process_faults import FaultNotObserved, ProcessInjector

NAME = "sleeper"
STATUS_DEADLINE_S = 5.0


class SleepControl:
    """A ComponentControl over ``sleep`` children; every child it spawns is kept to be reaped."""

    def __init__(self, *, running: bool, supervised: bool, stop_works: bool) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        self.supervised = supervised
        self.stop_works = stop_works  # False: a "graceful stop" that leaves the process be
        self.starts = 0
        if running:
            self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL)
        self.children.append(child)
        return child

    def _running(self) -> subprocess.Popen[bytes] | None:
        current = self.children[-1] if self.children else None
        if current is not None and current.poll() is None:
            return current
        if current is not None and self.supervised:
            return self._spawn()  # the supervisor noticed the death and started it again
        return None

    def pid(self, name: str) -> int | None:
        running = self._running()
        return running.pid if running else None

    def process_tree(self, name: str) -> list[int]:
        running = self._running()
        return [running.pid] if running else []

    def stop(self, name: str) -> None:
        running = self._running() if self.stop_works else None
        if running is not None:
            running.terminate()
            running.wait(timeout=STATUS_DEADLINE_S)

    def start(self, name: str) -> None:
        self.starts += 1
        if self.children and self.children[-1].poll() is None:
            return
        self._spawn()

    def is_ready(self, name: str) -> bool:
        return self._running() is not None

    def reap_all(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()  # SIGKILL also ends a stopped process
            child.wait(timeout=STATUS_DEADLINE_S)


MakeControl = Callable[..., SleepControl]


@pytest.fixture
def make_control() -> Iterator[MakeControl]:
    made: list[SleepControl] = []

    def make(
        *, running: bool = True, supervised: bool = True, stop_works: bool = True
    ) -> SleepControl:
        control = SleepControl(running=running, supervised=supervised, stop_works=stop_works)
        made.append(control)
        return control

    try:
        yield make
    finally:
        for control in made:
            control.reap_all()
        leftovers = [c.pid for control in made for c in control.children if c.returncode is None]
        assert not leftovers, f"children left running: {leftovers}"


def fault(action: ProcessAction) -> ProcessFault:
    return ProcessFault(action=action, target=NAME, at_s=0.0, duration_s=1.0)


def status_of(pid: int) -> str:
    return str(psutil.Process(pid).status())


def wait_for_status(pid: int, wanted: Callable[[str], bool], what: str) -> None:
    end = time.monotonic() + STATUS_DEADLINE_S
    while not wanted(status := status_of(pid)):
        if time.monotonic() > end:
            raise AssertionError(f"pid {pid} is {status} after {STATUS_DEADLINE_S} s, not {what}")
        time.sleep(0.01)  # polling the process's state, bounded by the deadline


def is_running(status: str) -> bool:
    return status != psutil.STATUS_STOPPED


# --- pause --------------------------------------------------------------------------------


def test_pause_stops_the_process_and_its_end_resumes_it(make_control: MakeControl) -> None:
    control = make_control()
    injector = ProcessInjector(control)
    pid = control.children[0].pid

    evidence = injector.apply(fault(ProcessAction.PAUSE))

    assert "1/1 processes stopped" in evidence
    assert status_of(pid) == psutil.STATUS_STOPPED
    injector.end(fault(ProcessAction.PAUSE))
    wait_for_status(pid, is_running, "running again")
    assert control.pid(NAME) == pid  # the same process, resumed, not replaced


def test_rollback_after_a_pause_resumes_and_keeps_it_running(make_control: MakeControl) -> None:
    control = make_control()
    injector = ProcessInjector(control)
    pid = control.children[0].pid
    injector.apply(fault(ProcessAction.PAUSE))

    injector.rollback(fault(ProcessAction.PAUSE))

    wait_for_status(pid, is_running, "resumed by the rollback")
    assert control.starts == 1
    assert control.pid(NAME) == pid


def test_rollback_all_resumes_every_paused_component(make_control: MakeControl) -> None:
    control = make_control()
    injector = ProcessInjector(control)
    pid = control.children[0].pid
    injector.apply(fault(ProcessAction.PAUSE))

    injector.rollback_all()

    wait_for_status(pid, is_running, "resumed by rollback_all")


def test_pausing_a_component_without_a_process_is_not_observed(make_control: MakeControl) -> None:
    injector = ProcessInjector(make_control(running=False))

    with pytest.raises(FaultNotObserved, match="no running process to pause"):
        injector.apply(fault(ProcessAction.PAUSE))


# --- kill and restart ---------------------------------------------------------------------


def test_kill_is_seen_through_the_supervisors_new_pid(make_control: MakeControl) -> None:
    control = make_control()
    old = control.children[0]

    evidence = ProcessInjector(control).apply(fault(ProcessAction.KILL))

    new_pid = control.pid(NAME)
    assert new_pid is not None
    assert new_pid != old.pid
    assert evidence == f"{NAME} pid {old.pid} -> {new_pid}, ready again"
    assert old.returncode is not None  # the old process is really gone


def test_a_kill_nobody_recovers_from_is_not_observed(make_control: MakeControl) -> None:
    control = make_control(supervised=False)
    injector = ProcessInjector(control, ready_deadline_s=0.3)

    with pytest.raises(FaultNotObserved, match="not restarted and ready"):
        injector.apply(fault(ProcessAction.KILL))


def test_killing_a_component_without_a_process_is_not_observed(make_control: MakeControl) -> None:
    control = make_control(running=False)

    with pytest.raises(FaultNotObserved, match="no running process to kill"):
        ProcessInjector(control).apply(fault(ProcessAction.KILL))
    assert control.children == []


def test_a_restart_gives_a_new_pid(make_control: MakeControl) -> None:
    control = make_control()
    old_pid = control.children[0].pid

    evidence = ProcessInjector(control).apply(fault(ProcessAction.RESTART))

    assert evidence == f"{NAME} pid {old_pid} -> {control.pid(NAME)}, ready again"
    assert control.pid(NAME) != old_pid


def test_a_restart_that_keeps_the_pid_is_not_observed(make_control: MakeControl) -> None:
    control = make_control(stop_works=False)
    pid = control.children[0].pid

    with pytest.raises(FaultNotObserved, match=f"kept pid {pid} through a restart"):
        ProcessInjector(control).apply(fault(ProcessAction.RESTART))
