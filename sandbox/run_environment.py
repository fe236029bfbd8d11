"""Where a run ran: the machine, the versions of every part, and the command line.

A report without this cannot be compared with another; each value is read from the part
itself where it can be (RabbitMQ's overview, PostgreSQL's ``server_version``, Toxiproxy's
``/version``), and a part that cannot be read gives "unknown" rather than failing the run.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
import subprocess
import sys
from importlib import metadata

import httpx
import psycopg

from chaos.target import Target
from reports.model import Figure
from sandbox.binaries import PROJECT_ROOT, TOXIPROXY_VERSION
from sandbox.work_meter import broker_overview

_TIMEOUT_S = 5.0
UNKNOWN = "unknown"


def describe_environment(target: Target) -> dict[str, Figure]:
    rabbitmq, erlang = _broker_versions(target)
    return {
        "host": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpus": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "critter_sandbox": _own_version(),
        "git_commit": _git_commit(),
        "rabbitmq": rabbitmq,
        "erlang": erlang,
        "postgresql": _postgres_version(target),
        "toxiproxy": _toxiproxy_version(target),
        "command": shlex.join(["sandbox", *sys.argv[1:]]),
    }


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError):
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return round(pages * size / 2**30, 1)
    return None


def _own_version() -> str:
    try:
        return metadata.version("critter-sandbox")
    except metadata.PackageNotFoundError:
        return UNKNOWN


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=_TIMEOUT_S, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return UNKNOWN
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else UNKNOWN


def _broker_versions(target: Target) -> tuple[str, str]:
    overview = broker_overview(target) or {}
    return (
        str(overview.get("rabbitmq_version", UNKNOWN)),
        str(overview.get("erlang_version", UNKNOWN)),
    )


def _postgres_version(target: Target) -> str:
    for dsn in target.databases.values():
        with contextlib.suppress(psycopg.Error):
            with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
                row = connection.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else UNKNOWN
    return UNKNOWN


def _toxiproxy_version(target: Target) -> str:
    try:
        answer = httpx.get(f"{target.toxiproxy_url}/version", timeout=_TIMEOUT_S)
        answer.raise_for_status()
    except httpx.HTTPError:
        return UNKNOWN
    reported = answer.text.strip()
    with contextlib.suppress(ValueError):
        version = answer.json()
        if isinstance(version, dict):
            reported = str(version.get("version", ""))
    # `go install` of a tagged module builds without the version stamp: it says "git".
    if reported in ("", "git"):
        return f"{TOXIPROXY_VERSION} (as pinned; the binary says {reported or 'nothing'})"
    return reported
