"""CPU time of the processes a unit of work involves, read with psutil before and after.

A part is one process, or a process with its whole tree (PostgreSQL forks a backend per
connection; RabbitMQ's VM has helpers). Processes are keyed by pid and start time, so a
process that started during the window counts in full and a reused pid is not confused
with its predecessor. A process that ends inside the window loses its share: the units keep
their connections open until the closing sample is taken.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import psutil

ProcessKey = tuple[int, float]
Sample = dict[str, dict[ProcessKey, float]]


@dataclass(frozen=True)
class Part:
    """A named process whose CPU is counted, with its descendants when ``tree`` is set."""

    name: str
    pid: int
    tree: bool = True


def own_process(name: str = "client") -> Part:
    """The bench's own process (not its children: a server subprocess is its own part)."""
    return Part(name, os.getpid(), tree=False)


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _processes(part: Part) -> list[psutil.Process]:
    root = psutil.Process(part.pid)
    return [root, *root.children(recursive=True)] if part.tree else [root]


def sample(parts: list[Part]) -> Sample:
    """CPU seconds used so far by every process of every part."""
    taken: Sample = {}
    for part in parts:
        seen: dict[ProcessKey, float] = {}
        try:
            processes = _processes(part)
        except psutil.Error:
            processes = []
        for process in processes:
            try:
                seen[(process.pid, process.create_time())] = _cpu_seconds(process)
            except psutil.Error:
                continue  # it ended between the listing and the reading
        taken[part.name] = seen
    return taken


def used_between(before: Sample, after: Sample) -> dict[str, float]:
    """CPU seconds each part used between two samples."""
    used: dict[str, float] = {}
    for name, now in after.items():
        earlier: Mapping[ProcessKey, float] = before.get(name, {})
        used[name] = sum(max(0.0, cpu - earlier.get(key, 0.0)) for key, cpu in now.items())
    return used
