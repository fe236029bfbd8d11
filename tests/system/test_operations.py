"""Operator commands and secrets on a running sandbox."""

from __future__ import annotations

import stat

import httpx
import psycopg
import pytest

from tests.sandbox_control import SandboxHandle
from tests.system.test_cli_errors import assert_one_line_error

pytestmark = pytest.mark.sandbox


def test_secrets_are_private_and_never_printed(shared_sandbox: SandboxHandle) -> None:
    secrets = shared_sandbox.secrets()
    for name in ("secrets.json", "run/supervisord.conf", "rabbitmq/rabbitmq.conf"):
        mode = stat.S_IMODE((shared_sandbox.state_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} is {oct(mode)}"
    printed = "".join(
        shared_sandbox.cli(*args, check=False).stdout
        for args in (["status"], ["status", "--json"], ["logs", "-n", "500"], ["up"])
    )
    leaked = [key for key, value in secrets.items() if value in printed]
    assert not leaked, f"secrets printed: {leaked}"


def test_no_default_credentials_exist(shared_sandbox: SandboxHandle) -> None:
    secrets = shared_sandbox.secrets()
    base = shared_sandbox.port_base
    users = httpx.get(
        f"http://127.0.0.1:{base + 3}/api/users",
        auth=("critter_admin", secrets["rabbitmq/admin"]),
        timeout=10,
    ).json()
    assert "guest" not in {user["name"] for user in users}
    guest = httpx.get(f"http://127.0.0.1:{base + 3}/api/overview", auth=("guest", "guest"))
    assert guest.status_code == 401
    for user, password in (("postgres", "postgres"), ("sandbox_admin", "wrong")):
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(
                host="127.0.0.1", port=base + 1, user=user, password=password, dbname="postgres"
            ).close()


def test_a_service_cannot_open_another_service_database(shared_sandbox: SandboxHandle) -> None:
    secrets = shared_sandbox.secrets()
    dsn = {"host": "127.0.0.1", "port": shared_sandbox.port_base + 1, "user": "catalog"}
    psycopg.connect(**dsn, password=secrets["postgres/catalog"], dbname="catalog").close()
    for other in ("postgres", "orders"):
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(**dsn, password=secrets["postgres/catalog"], dbname=other).close()


def test_logs_of_one_component(shared_sandbox: SandboxHandle) -> None:
    result = shared_sandbox.cli("logs", "postgres", "-n", "5")
    assert 0 < len(result.stdout.splitlines()) <= 5


def test_restart_of_unknown_component_is_refused(shared_sandbox: SandboxHandle) -> None:
    result = shared_sandbox.cli("restart", "mongodb", check=False)
    assert result.returncode != 0
    assert_one_line_error(result.stderr, "unknown component", "rabbitmq")
