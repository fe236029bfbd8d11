"""Locating the programs the process backend runs, with the exact fix when one is missing."""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import MissingBinary

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = PROJECT_ROOT / ".tools" / "bin"
TOXIPROXY_VERSION = "v2.12.0"
TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2/cmd/server"
POSTGRES_VERSIONS = ("17", "16", "15", "14", "13")

INSTALL_HINT = "run `sandbox doctor --install`"


@dataclass(frozen=True)
class Binaries:
    """Absolute paths of every program a sandbox starts."""

    postgres_bin: Path
    rabbitmq_server: Path
    epmd: Path
    toxiproxy: Path

    @property
    def postgres(self) -> Path:
        return self.postgres_bin / "postgres"

    @property
    def initdb(self) -> Path:
        return self.postgres_bin / "initdb"


def find_postgres_bin() -> Path | None:
    override = os.environ.get("SANDBOX_POSTGRES_BIN")
    candidates = [Path(f"/usr/lib/postgresql/{v}/bin") for v in POSTGRES_VERSIONS]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    if override:  # an explicit choice is final: no silent fallback
        candidates = [Path(override)]
    for folder in candidates:
        if (folder / "postgres").is_file() and (folder / "initdb").is_file():
            return folder
    return None


def find_rabbitmq_server() -> Path | None:
    override = os.environ.get("SANDBOX_RABBITMQ_SERVER")
    path = Path(override or "/usr/lib/rabbitmq/bin/rabbitmq-server")
    return path if path.is_file() else None


def find_epmd() -> Path | None:
    found = shutil.which("epmd")
    if found:
        return Path(found)
    matches = sorted(glob.glob("/usr/lib/erlang/erts-*/bin/epmd"))
    return Path(matches[-1]) if matches else None


def find_toxiproxy() -> Path | None:
    override = os.environ.get("SANDBOX_TOXIPROXY_BIN")
    if override:
        return Path(override) if Path(override).is_file() else None
    local = TOOLS_BIN / "toxiproxy-server"
    if local.is_file():
        return local
    found = shutil.which("toxiproxy-server")
    return Path(found) if found else None


def require_binaries() -> Binaries:
    """All binaries, or ``MissingBinary`` naming the first one absent and its fix."""
    postgres_bin = find_postgres_bin()
    if postgres_bin is None:
        raise MissingBinary(
            f"PostgreSQL server binaries (postgres, initdb) not found; {INSTALL_HINT} "
            "or apt-get install postgresql"
        )
    rabbit = find_rabbitmq_server()
    if rabbit is None:
        raise MissingBinary(
            f"rabbitmq-server not found; {INSTALL_HINT} or apt-get install rabbitmq-server"
        )
    epmd = find_epmd()
    if epmd is None:
        raise MissingBinary(
            f"epmd (Erlang) not found; {INSTALL_HINT} or apt-get install erlang-base"
        )
    toxiproxy = find_toxiproxy()
    if toxiproxy is None:
        raise MissingBinary(
            f"toxiproxy-server not found in {TOOLS_BIN} or on PATH; {INSTALL_HINT} "
            f"(go install {TOXIPROXY_MODULE}@{TOXIPROXY_VERSION})"
        )
    return Binaries(
        postgres_bin=postgres_bin, rabbitmq_server=rabbit, epmd=epmd, toxiproxy=toxiproxy
    )
