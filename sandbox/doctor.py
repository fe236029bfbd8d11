"""``sandbox doctor``: what the process backend needs, what is missing, and the exact fix.

``--install`` fixes what it can on Debian/Ubuntu: apt for PostgreSQL and RabbitMQ (which
brings Erlang's epmd), and ``go install`` of a pinned Toxiproxy into the project's
``.tools/bin``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox.binaries import (
    TOOLS_BIN,
    TOXIPROXY_MODULE,
    TOXIPROXY_VERSION,
    find_epmd,
    find_postgres_bin,
    find_rabbitmq_server,
    find_toxiproxy,
)
from sandbox.components import UNPRIVILEGED_USER
from sandbox.errors import MissingBinary, SandboxError
from sandbox.ports import PortPlan, port_is_free
from sandbox.state import SandboxSettings, StatePaths
from sandbox.topology import planned_ports

MIN_FREE_DISK_BYTES = 2 * 1024**3
APT_PACKAGES = {"postgres": "postgresql", "rabbitmq": "rabbitmq-server"}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _binary_check(name: str, found: Path | None, fix: str) -> Check:
    return Check(
        name, found is not None, str(found) if found else "not found", "" if found else fix
    )


def _user_check() -> Check:
    if os.geteuid() != 0:
        return Check("unprivileged PostgreSQL user", True, "not needed (not running as root)")
    try:
        pwd.getpwnam(UNPRIVILEGED_USER)
        return Check("unprivileged PostgreSQL user", True, f"'{UNPRIVILEGED_USER}' exists")
    except KeyError:
        return Check(
            "unprivileged PostgreSQL user",
            False,
            f"no '{UNPRIVILEGED_USER}' user (PostgreSQL refuses to run as root)",
            "apt-get install -y postgresql (creates it)",
        )


def _port_check(settings: SandboxSettings, running: bool) -> Check:
    if running:
        return Check("free ports", True, f"in use by this sandbox (base {settings.port_base})")
    runtime_ports = planned_ports(PortPlan(settings.port_base), settings.replicas)
    busy = [f"{port} ({owner})" for owner, port in runtime_ports.items() if not port_is_free(port)]
    if busy:
        return Check(
            "free ports",
            False,
            f"busy: {', '.join(busy[:5])}",
            "stop what holds them, or use --port-base with another base",
        )
    low, high = min(runtime_ports.values()), max(runtime_ports.values())
    return Check("free ports", True, f"{len(runtime_ports)} ports free in {low}-{high}")


def _disk_check(paths: StatePaths) -> Check:
    folder = paths.root if paths.root.exists() else paths.root.parent
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    ok = free >= MIN_FREE_DISK_BYTES
    detail = f"{free / 1024**3:.1f} GiB free at {folder}"
    return Check("disk", ok, detail, "" if ok else "free at least 2 GiB for data and logs")


def run_checks(paths: StatePaths, settings: SandboxSettings, running: bool) -> list[Check]:
    toxi_fix = f"sandbox doctor --install (go install {TOXIPROXY_MODULE}@{TOXIPROXY_VERSION})"
    go = shutil.which("go")
    checks = [
        _binary_check("PostgreSQL server", find_postgres_bin(), "apt-get install -y postgresql"),
        _user_check(),
        _binary_check(
            "RabbitMQ server", find_rabbitmq_server(), "apt-get install -y rabbitmq-server"
        ),
        _binary_check("Erlang epmd", find_epmd(), "apt-get install -y rabbitmq-server"),
        _binary_check("Toxiproxy server", find_toxiproxy(), toxi_fix),
    ]
    if find_toxiproxy() is None:
        checks.append(_binary_check("Go (to build Toxiproxy)", Path(go) if go else None,
                                    "install Go 1.22 or newer and put `go` on PATH"))  # fmt: skip
    checks += [_port_check(settings, running), _disk_check(paths)]
    return checks


def install_missing() -> list[str]:
    """Install what is missing; return a line per action taken. Raises on a failed step."""
    actions: list[str] = []
    packages = []
    if find_postgres_bin() is None:
        packages.append(APT_PACKAGES["postgres"])
    if find_rabbitmq_server() is None or find_epmd() is None:
        packages.append(APT_PACKAGES["rabbitmq"])
    if packages:
        _apt_install(packages)
        actions.append(f"installed with apt: {' '.join(packages)}")
    if find_toxiproxy() is None:
        _go_install_toxiproxy()
        actions.append(f"built toxiproxy-server {TOXIPROXY_VERSION} into {TOOLS_BIN}")
    return actions


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise SandboxError(f"{what} failed: {lines[-1] if lines else result.returncode}")


def _apt_install(packages: list[str]) -> None:
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            raise SandboxError(
                f"installing {' '.join(packages)} needs root; run as root or install sudo"
            )
        prefix = [sudo]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run([*prefix, "apt-get", "update", "-qq"], "apt-get update", env)
    _run([*prefix, "apt-get", "install", "-y", "-qq", *packages], "apt-get install", env)


def _go_install_toxiproxy() -> None:
    go = shutil.which("go")
    if go is None:
        raise MissingBinary("Go is needed to build Toxiproxy: install Go 1.22+ and retry")
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as build_bin:
        env = {**os.environ, "GOBIN": build_bin}
        _run(
            [go, "install", f"{TOXIPROXY_MODULE}@{TOXIPROXY_VERSION}"], "go install toxiproxy", env
        )
        shutil.move(str(Path(build_bin) / "server"), TOOLS_BIN / "toxiproxy-server")


def doctor_ok(checks: list[Check]) -> bool:
    return all(check.ok for check in checks)
