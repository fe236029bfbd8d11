"""First-run initialisation and idempotent provisioning of PostgreSQL and RabbitMQ.

Run on every ``up``: each step checks before it creates, so a warm start costs a few
queries, and a service added to the catalog gets its database, role and user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from sandbox.binaries import Binaries
from sandbox.components import (
    POSTGRES_ADMIN,
    RABBITMQ_ADMIN,
    VHOST,
    VHOST_QUOTED,
    run_as_unprivileged,
)
from sandbox.errors import ConfigError, SandboxError
from sandbox.probes import postgres_dsn, rabbitmq_admin_auth
from sandbox.secrets_store import Secrets, write_private
from sandbox.state import SandboxSettings, StatePaths

RABBITMQ_PLUGINS = "[rabbitmq_management,rabbitmq_prometheus].\n"


def postgres_initialised(paths: StatePaths) -> bool:
    return (paths.postgres_data / "PG_VERSION").exists()


def _chown_to(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def require_reachable_by(path: Path, user: str) -> None:
    """Fail early when ``user`` cannot traverse every parent folder of ``path``."""
    entry = pwd.getpwnam(user)
    for folder in [*reversed(path.parents), path]:
        if not folder.exists():
            break
        info = folder.stat()
        if info.st_uid == entry.pw_uid:
            continue
        others_x = info.st_mode & 0o001
        group_x = info.st_gid == entry.pw_gid and info.st_mode & 0o010
        if not (others_x or group_x):
            raise ConfigError(
                f"PostgreSQL runs as '{user}', who cannot enter {folder}; choose a state "
                f"folder under world-readable parents (e.g. --state-dir /var/tmp/sandbox)"
            )


def init_postgres(paths: StatePaths, bins: Binaries, secrets: Secrets) -> None:
    """Create the private cluster with a generated superuser password (scram everywhere)."""
    data = paths.postgres_data
    user = run_as_unprivileged()
    if user:
        require_reachable_by(paths.root, user)
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    password_file = data.parent / "initdb.pw"
    write_private(password_file, secrets.postgres_admin + "\n")
    if user:
        _chown_to(data, user)
        _chown_to(password_file, user)
    command = [
        str(bins.initdb), "-D", str(data), "-U", POSTGRES_ADMIN,
        f"--pwfile={password_file}", "--auth=scram-sha-256",
        "--encoding=UTF8", "--locale=C", "--no-instructions",
    ]  # fmt: skip
    if user:
        command = ["runuser", "-u", user, "--", *command]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        password_file.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise SandboxError(f"initdb failed: {lines[-1] if lines else result.returncode}")


def provision_postgres(settings: SandboxSettings, secrets: Secrets, services: list[str]) -> None:
    """One login role and one database per service; no service can open another's database."""
    with psycopg.connect(postgres_dsn(settings.ports, secrets), autocommit=True) as conn:
        # The maintenance database is for the administrator only.
        conn.execute("REVOKE CONNECT ON DATABASE postgres FROM PUBLIC")
        for name in services:
            role = sql.Identifier(name)
            password = sql.Literal(secrets.postgres_password(name))
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
            conn.execute(sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(verb, role, password))
            has_db = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not has_db:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(role, role))
                conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(role))


def write_rabbitmq_files(paths: StatePaths, settings: SandboxSettings, secrets: Secrets) -> None:
    """rabbitmq.conf (holds the admin password: 0600), plugins and the Erlang cookie."""
    ports = settings.ports
    conf = "\n".join(
        [
            f"listeners.tcp.1 = 127.0.0.1:{ports.amqp}",
            "management.tcp.ip = 127.0.0.1",
            f"management.tcp.port = {ports.rabbitmq_management}",
            "prometheus.tcp.ip = 127.0.0.1",
            f"prometheus.tcp.port = {ports.rabbitmq_prometheus}",
            # Used only when the node boots with an empty database: no guest user ever exists.
            f"default_user = {RABBITMQ_ADMIN}",
            f"default_pass = {secrets.rabbitmq_admin}",
            f"default_vhost = {VHOST}",
            "default_user_tags.administrator = true",
            "default_permissions.configure = .*",
            "default_permissions.read = .*",
            "default_permissions.write = .*",
            "disk_free_limit.absolute = 500MB",
            "heartbeat = 30",
            "",
        ]
    )
    write_private(paths.rabbitmq_config_base.with_suffix(".conf"), conf)
    paths.rabbitmq_plugins_file.write_text(RABBITMQ_PLUGINS)
    paths.rabbitmq_mnesia.mkdir(parents=True, exist_ok=True)
    paths.rabbitmq_home.mkdir(parents=True, exist_ok=True)
    cookie = paths.rabbitmq_home / ".erlang.cookie"
    if cookie.exists():
        cookie.chmod(0o600)
    write_private(cookie, secrets.erlang_cookie)
    cookie.chmod(0o400)  # Erlang refuses a cookie readable by anyone else


def provision_rabbitmq(settings: SandboxSettings, secrets: Secrets, services: list[str]) -> None:
    """The vhost, and one user per service with rights on that vhost only."""
    api = f"http://127.0.0.1:{settings.ports.rabbitmq_management}/api"
    with httpx.Client(auth=rabbitmq_admin_auth(secrets), timeout=10.0) as client:
        _put(client, f"{api}/vhosts/{VHOST_QUOTED}", {})
        for name in services:
            _put(client, f"{api}/users/{name}", {
                "password": secrets.rabbitmq_password(name), "tags": "",
            })  # fmt: skip
            _put(client, f"{api}/permissions/{VHOST_QUOTED}/{name}", {
                "configure": ".*", "write": ".*", "read": ".*",
            })  # fmt: skip


def _put(client: httpx.Client, url: str, body: dict[str, str]) -> None:
    response = client.put(url, json=body)
    if response.status_code not in (201, 204):
        path = url.split("/api", 1)[1]
        raise SandboxError(f"RabbitMQ refused PUT {path}: HTTP {response.status_code}")
