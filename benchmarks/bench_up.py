"""Benchmark: cold and warm ``sandbox up`` to all-ready, median of N runs.

Cold = empty state folder (initdb, first RabbitMQ boot, provisioning, seeding).
Warm = after ``sandbox down`` with data kept. For each component it records when the
component became ready, counted from the start of ``up``; the slowest one is the total.

    .venv/bin/python benchmarks/bench_up.py --runs 5 --port-base 29000
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sandbox.backends.process import ProcessBackend
from sandbox.state import StatePaths


def one_up(backend: ProcessBackend, port_base: int) -> dict[str, float]:
    began = time.monotonic()
    result = backend.up(port_base, lambda _component, _state: None)
    total = time.monotonic() - began
    return {**result.ready_after_s, "total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port-base", type=int, default=29000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="critter-bench-", dir="/tmp"))
    root.chmod(0o755)
    samples: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    try:
        for _ in range(args.runs):
            backend = ProcessBackend(StatePaths(root / "state"))
            samples["cold"].append(one_up(backend, args.port_base))
            backend.down(purge=False)
            samples["warm"].append(one_up(backend, args.port_base))
            backend.down(purge=True)
    finally:
        ProcessBackend(StatePaths(root / "state")).down(purge=True)
        shutil.rmtree(root, ignore_errors=True)
    summary = {
        kind: {key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]}
        for kind, runs in samples.items()
    }
    print(json.dumps({"machine": platform.platform(), "runs": args.runs, "median_s": summary,
                      "samples": samples}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
