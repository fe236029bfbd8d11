from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sandbox.components import Kind, Program
from sandbox.errors import ConfigError
from sandbox.secrets_store import load_or_create
from sandbox.state import (
    StatePaths,
    load_settings,
    resolve_state_dir,
    save_settings,
    settings_for_up,
)
from sandbox.supervisor_conf import render


def test_secrets_are_generated_once_private_and_distinct(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    first = load_or_create(path, ["catalog", "orders"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create(path, ["catalog", "orders"])
    assert first.values == again.values
    assert len(set(first.values.values())) == len(first.values), "a secret was reused"
    assert "hidden" in repr(first)
    assert first.postgres_admin not in repr(first)


def test_a_new_service_gets_new_secrets_and_keeps_the_old(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    before = load_or_create(path, ["catalog"])
    after = load_or_create(path, ["catalog", "payments"])
    assert after.postgres_password("catalog") == before.postgres_password("catalog")
    assert after.rabbitmq_password("payments")


def test_settings_keep_their_node_name_and_accept_a_new_base(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path)
    first = settings_for_up(paths, 30000)
    save_settings(paths, first)
    moved = settings_for_up(paths, 30400)
    assert moved.node_name == first.node_name
    assert moved.port_base == 30400
    assert settings_for_up(paths, None).port_base == 30000


def test_bad_port_base_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="port base"):
        settings_for_up(StatePaths(tmp_path), 12)


def test_overlong_state_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too long"):
        resolve_state_dir(str(tmp_path / ("x" * 120)))


def test_supervisor_conf_escapes_percent_signs_and_quotes(tmp_path: Path) -> None:
    program = Program(
        name="svc",
        kind=Kind.SERVICE,
        command=["python", "-c", "print('100%')"],
        port=1,
        url="",
        environment={"AMQP_URL": "amqp://u:p@h/%2Fcritter", "Q": 'a"b'},
    )
    text = render([program], StatePaths(tmp_path))
    assert 'AMQP_URL="amqp://u:p@h/%%2Fcritter"' in text
    assert 'Q="a\\"b"' in text
    assert "100%%" in text
    assert "autostart=false" in text


def test_defects_are_validated_and_normalised(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path)
    settings = settings_for_up(paths, 30000, ("no-inbox", "global-sse", "no-inbox"))
    assert settings.defects == ("global-sse", "no-inbox")
    with pytest.raises(ConfigError, match="unknown defect 'no-brakes'"):
        settings_for_up(paths, 30000, ("no-brakes",))


def test_replicas_are_bounded_and_kept_with_the_settings(tmp_path: Path) -> None:
    paths = StatePaths(tmp_path)
    save_settings(paths, settings_for_up(paths, 30000, replicas=3))
    stored = load_settings(paths)
    assert stored is not None
    assert stored.replicas == 3
    for wrong in (0, 5):
        with pytest.raises(ConfigError, match="--replicas must be between 1 and 4"):
            settings_for_up(paths, 30000, replicas=wrong)
