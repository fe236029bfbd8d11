"""Per-sandbox secrets: generated on first use, stored 0600, never printed.

Secrets reach processes only through their environment or 0600 config files written
into the state folder; nothing here is ever logged or shown in a table.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import ConfigError

SECRET_FILE_MODE = 0o600


def new_secret() -> str:
    # URL-safe characters only, so secrets can sit in DSNs and config files unescaped.
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Secrets:
    """All credentials of one sandbox."""

    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values[key]

    @property
    def postgres_admin(self) -> str:
        return self.values["postgres/admin"]

    @property
    def rabbitmq_admin(self) -> str:
        return self.values["rabbitmq/admin"]

    @property
    def erlang_cookie(self) -> str:
        return self.values["rabbitmq/erlang-cookie"]

    def postgres_password(self, service: str) -> str:
        return self.values[f"postgres/{service}"]

    def rabbitmq_password(self, service: str) -> str:
        return self.values[f"rabbitmq/{service}"]

    def __repr__(self) -> str:  # never let a secret leak into a log or traceback
        return f"Secrets(<{len(self.values)} hidden>)"


def required_keys(services: list[str]) -> list[str]:
    keys = ["postgres/admin", "rabbitmq/admin", "rabbitmq/erlang-cookie", "auth/signing-key"]
    for name in services:
        keys += [f"postgres/{name}", f"rabbitmq/{name}"]
    return keys


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner can read, without a window where it is wider."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, SECRET_FILE_MODE)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, SECRET_FILE_MODE)


def load_or_create(path: Path, services: list[str]) -> Secrets:
    """Load the sandbox's secrets, adding any that a new service needs."""
    values: dict[str, str] = {}
    if path.exists():
        try:
            values = dict(json.loads(path.read_text()))
        except ValueError as exc:
            raise ConfigError(f"secrets file {path} is not valid JSON") from exc
    missing = [key for key in required_keys(services) if key not in values]
    for key in missing:
        values[key] = new_secret()
    if missing or not path.exists():
        write_private(path, json.dumps(values, indent=2) + "\n")
    return Secrets(values)
