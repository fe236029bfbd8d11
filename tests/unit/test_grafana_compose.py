"""compose/grafana.yml: Grafana provisioned with the critter dashboard over the sandbox's
Prometheus. Checked statically here; the start-up test needs a Docker daemon and skips
itself, with the reason, on machines without one (such as CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.sandbox_control import wait_for

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose" / "grafana.yml"
PROVISIONING = ROOT / "monitoring" / "grafana" / "provisioning"
DASHBOARDS = ROOT / "monitoring" / "grafana" / "dashboards"


def grafana() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    return dict(document["services"]["grafana"])


def mounts() -> dict[str, Path]:
    """Container path -> host path of each read-only bind mount."""
    found = {}
    for volume in grafana()["volumes"]:
        host, container, mode = volume.split(":")
        assert mode == "ro", f"{volume} should be read-only"
        found[container] = (COMPOSE.parent / host).resolve()
    return found


def test_the_provisioning_and_the_dashboards_are_mounted_where_grafana_reads_them() -> None:
    mounted = mounts()
    assert mounted["/etc/grafana/provisioning"] == PROVISIONING
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "critter.yml").read_text())
    [provider] = providers["providers"]
    assert mounted[provider["options"]["path"]] == DASHBOARDS
    assert list(DASHBOARDS.glob("*.json")), "no dashboard to provision"


def test_the_data_source_url_comes_from_the_environment_compose_sets() -> None:
    sources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    [source] = sources["datasources"]
    assert source["url"] == "$CRITTER_PROMETHEUS_URL"
    assert grafana()["environment"]["CRITTER_PROMETHEUS_URL"].startswith("http://127.0.0.1:")
    uids = {
        target["datasource"]["uid"]
        for dashboard in DASHBOARDS.glob("*.json")
        for panel in json.loads(dashboard.read_text())["panels"]
        for target in panel.get("targets", [])
    }
    assert uids == {source["uid"]}


def test_grafana_is_pinned_local_and_has_no_password_to_leak() -> None:
    service = grafana()
    image = service["image"]
    assert ":" in image
    assert not image.endswith(":latest")
    environment = service["environment"]
    assert environment["GF_SERVER_HTTP_ADDR"] == "127.0.0.1"
    assert environment["GF_AUTH_DISABLE_LOGIN_FORM"] == "true"
    assert environment["GF_AUTH_BASIC_ENABLED"] == "false"
    assert environment["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert not any("PASSWORD" in name for name in environment)


def docker_daemon_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    info = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    compose = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return info.returncode == 0 and compose.returncode == 0


@pytest.mark.docker
def test_grafana_starts_with_the_dashboard(tmp_path: Path) -> None:
    if not docker_daemon_answers():
        pytest.skip("needs a Docker daemon with the compose plugin; this machine has none")
    command = ["docker", "compose", "-f", str(COMPOSE)]
    env = {**os.environ, "GRAFANA_PORT": "3917"}
    subprocess.run([*command, "up", "-d"], env=env, check=True, timeout=600)
    try:

        def provisioned() -> bool:
            try:
                found = httpx.get("http://127.0.0.1:3917/api/search", timeout=5).json()
            except (httpx.HTTPError, ValueError):
                return False
            return any(item.get("uid") == "critter-overview" for item in found)

        wait_for(provisioned, 180, "Grafana to serve the provisioned critter dashboard")
    finally:
        subprocess.run([*command, "down"], env=env, check=False, timeout=300)
