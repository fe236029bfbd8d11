"""Layout and persisted settings of a sandbox's state folder.

Everything a later command needs to find and control a running sandbox lives here:
ports, node name, secrets path, the supervisord socket, logs and data folders.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from sandbox.errors import ConfigError
from sandbox.ports import DEFAULT_PORT_BASE, MAX_REPLICAS, PortPlan

STATE_DIR_ENV = "SANDBOX_STATE_DIR"
# Deliberate flaws the services can switch on, only to prove the harness catches them.
DEFECTS = ("transient-broker", "global-sse", "no-inbox", "no-outbox")
DEFAULT_STATE_DIR = ".sandbox"
DEFAULT_RETENTION = "1d"
_DURATION = re.compile(r"[0-9]+(ms|s|m|h|d|w|y)")
# AF_UNIX socket paths are limited to 107 bytes on Linux.
MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class StatePaths:
    """Where each part of a sandbox lives under its state folder."""

    root: Path

    @property
    def settings_file(self) -> Path:
        return self.root / "sandbox.json"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "sandbox.lock"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def supervisor_conf(self) -> Path:
        return self.run_dir / "supervisord.conf"

    @property
    def supervisor_socket(self) -> Path:
        return self.run_dir / "supervisor.sock"

    @property
    def supervisor_pidfile(self) -> Path:
        return self.run_dir / "supervisord.pid"

    @property
    def toxiproxy_config(self) -> Path:
        return self.run_dir / "toxiproxy.json"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    @property
    def postgres_data(self) -> Path:
        return self.root / "postgres" / "data"

    @property
    def rabbitmq_root(self) -> Path:
        return self.root / "rabbitmq"

    @property
    def rabbitmq_home(self) -> Path:
        return self.rabbitmq_root / "home"

    @property
    def rabbitmq_mnesia(self) -> Path:
        return self.rabbitmq_root / "mnesia"

    @property
    def rabbitmq_config_base(self) -> Path:
        """rabbitmq.conf path without its extension, as RABBITMQ_CONFIG_FILE wants it."""
        return self.rabbitmq_root / "rabbitmq"

    @property
    def rabbitmq_plugins_file(self) -> Path:
        return self.rabbitmq_root / "enabled_plugins"


@dataclass(frozen=True)
class SandboxSettings:
    """Settings fixed at a sandbox's first ``up`` and reused by every later command."""

    port_base: int
    node_name: str
    defects: tuple[str, ...] = ()
    replicas: int = 1
    monitoring: bool = False  # Prometheus, Alertmanager and the alert receiver too
    retention: str = DEFAULT_RETENTION  # how long Prometheus keeps its samples
    alert_windows: tuple[tuple[str, str], ...] = ()  # (alert, `for:` window) overrides

    @property
    def ports(self) -> PortPlan:
        return PortPlan(self.port_base)


def resolve_state_dir(state_dir: str | None) -> StatePaths:
    raw = state_dir or os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR
    root = Path(raw).expanduser().resolve()
    paths = StatePaths(root)
    if len(str(paths.supervisor_socket)) > MAX_SOCKET_PATH:
        raise ConfigError(
            f"state folder path is too long for a control socket ({root}); use a shorter one"
        )
    return paths


def load_settings(paths: StatePaths) -> SandboxSettings | None:
    if not paths.settings_file.exists():
        return None
    try:
        data = json.loads(paths.settings_file.read_text())
        return SandboxSettings(
            port_base=int(data["port_base"]),
            node_name=str(data["node_name"]),
            defects=tuple(str(d) for d in data.get("defects", ())),
            replicas=int(data.get("replicas", 1)),
            monitoring=bool(data.get("monitoring", False)),
            retention=str(data.get("retention", DEFAULT_RETENTION)),
            alert_windows=tuple((str(a), str(w)) for a, w in data.get("alert_windows", ())),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"unreadable sandbox settings in {paths.settings_file}: {exc}") from exc


def settings_for_up(
    paths: StatePaths,
    port_base: int | None,
    defects: tuple[str, ...] = (),
    replicas: int = 1,
    monitoring: bool = False,
    retention: str = DEFAULT_RETENTION,
    alert_windows: tuple[tuple[str, str], ...] = (),
) -> SandboxSettings:
    """Settings for ``up``: the stored ones, or new ones on first run.

    An explicit ``--port-base`` may move a stopped sandbox; it is stored for later commands.
    Defects, replicas and monitoring are not sticky: each ``up`` of a stopped sandbox runs
    with exactly those given.
    """
    if not _DURATION.fullmatch(retention):
        raise ConfigError(f"--retention wants a duration such as 12h or 7d, got {retention!r}")
    if (retention != DEFAULT_RETENTION or alert_windows) and not monitoring:
        raise ConfigError("--retention and --alert-window need --monitoring")
    unknown = sorted(set(defects) - set(DEFECTS))
    if unknown:
        raise ConfigError(f"unknown defect {unknown[0]!r}; known: {', '.join(DEFECTS)}")
    if not 1 <= replicas <= MAX_REPLICAS:
        raise ConfigError(f"--replicas must be between 1 and {MAX_REPLICAS}, got {replicas}")
    stored = load_settings(paths)
    base = port_base if port_base is not None else (stored.port_base if stored else None)
    if base is None:
        base = DEFAULT_PORT_BASE
    try:
        PortPlan(base)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    node = stored.node_name if stored else f"critter-{secrets.token_hex(4)}@localhost"
    return SandboxSettings(
        port_base=base,
        node_name=node,
        defects=tuple(sorted(set(defects))),
        replicas=replicas,
        monitoring=monitoring,
        retention=retention,
        alert_windows=alert_windows,
    )


def save_settings(paths: StatePaths, settings: SandboxSettings) -> None:
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(json.dumps(asdict(settings), indent=2) + "\n")
