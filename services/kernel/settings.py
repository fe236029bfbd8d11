"""Typed settings of one service process, read once from its environment.

The orchestrator starts every service with the same contract:

================================  =====================================================
``SERVICE_NAME``                  required; e.g. ``catalog`` (lower case, digits, ``-``)
``HTTP_PORT``                     required; the port uvicorn was given (1-65535)
``DATABASE_URL``                  required; ``postgresql://user:pw@host:port/db``
``AMQP_URL``                      required; ``amqp://user:pw@host:port/%2Fcritter``
``SANDBOX_DEFECTS``               optional; comma-separated defect switches, default none
``UPSTREAM_<NAME>_URL``           optional, any number; HTTP base URL of service NAME
``AUTH_SIGNING_KEY``              optional; HS256 key of customer tokens (``kernel.auth``)
``LOG_LEVEL``                     optional; default ``INFO``
``DB_POOL_MIN_SIZE`` / ``_MAX``   optional; asyncpg pool bounds, default 1 / 10
``AMQP_HEARTBEAT_SECONDS``        optional; AMQP heartbeat, default 10 (a cut link is
                                  noticed within about two heartbeats)
================================  =====================================================

``load_settings()`` is called once by each ``create_app()`` and the result is
passed down; nothing reads the environment anywhere else.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from services.kernel.errors import ConfigurationError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

_UPSTREAM_PREFIX = "UPSTREAM_"
_UPSTREAM_SUFFIX = "_URL"


def upstream_key(name: str) -> str:
    """Normalise an upstream service name: ``CUSTOMER_IDENTITY`` -> ``customer-identity``."""
    return name.strip().lower().replace("_", "-")


class ServiceSettings(BaseSettings):
    """Everything a service process needs to know about its surroundings."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    service_name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")
    http_port: int = Field(ge=1, le=65535)
    database_url: str = Field(repr=False)
    amqp_url: str = Field(repr=False)
    sandbox_defects: Annotated[frozenset[str], NoDecode] = frozenset()
    upstreams: dict[str, str] = Field(default_factory=dict)
    auth_signing_key: str | None = Field(default=None, repr=False)
    log_level: LogLevel = "INFO"
    db_pool_min_size: int = Field(default=1, ge=0, le=100)
    db_pool_max_size: int = Field(default=10, ge=1, le=200)
    amqp_heartbeat_seconds: int = Field(default=10, ge=1, le=600)

    @field_validator("sandbox_defects", mode="before")
    @classmethod
    def _split_defects(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return _require_url(value, schemes=("postgresql", "postgres"))

    @field_validator("amqp_url")
    @classmethod
    def _check_amqp_url(cls, value: str) -> str:
        return _require_url(value, schemes=("amqp", "amqps"))

    @field_validator("upstreams")
    @classmethod
    def _check_upstreams(cls, value: dict[str, str]) -> dict[str, str]:
        return {
            upstream_key(name): _require_url(url, schemes=("http", "https"))
            for name, url in value.items()
        }

    @model_validator(mode="after")
    def _check_pool_bounds(self) -> ServiceSettings:
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ValueError("DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE")
        return self

    def upstream_url(self, name: str) -> str:
        """Base URL of upstream service ``name``; raises ConfigurationError if not given."""
        try:
            return self.upstreams[upstream_key(name)]
        except KeyError:
            variable = f"{_UPSTREAM_PREFIX}{upstream_key(name).upper().replace('-', '_')}"
            raise ConfigurationError(f"{variable}{_UPSTREAM_SUFFIX} is not set") from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No dotenv or secret files: the orchestrator's environment is the only source.
        return init_settings, env_settings, _UpstreamUrls(settings_cls)


class _UpstreamUrls(PydanticBaseSettingsSource):
    """Collects every ``UPSTREAM_<NAME>_URL`` variable into the ``upstreams`` field."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {
            key[len(_UPSTREAM_PREFIX) : -len(_UPSTREAM_SUFFIX)]: url
            for key, url in os.environ.items()
            if key.startswith(_UPSTREAM_PREFIX)
            and key.endswith(_UPSTREAM_SUFFIX)
            and len(key) > len(_UPSTREAM_PREFIX) + len(_UPSTREAM_SUFFIX)
        }
        return {"upstreams": found} if found else {}


def _require_url(value: str, *, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"expected a {' or '.join(schemes)} URL with a host")
    return value


def load_settings() -> ServiceSettings:
    """Read the settings from the environment, or fail with every problem named.

    Raises ConfigurationError whose message lists each offending variable, e.g.
    ``DATABASE_URL: Field required; HTTP_PORT: Input should be a valid integer``.
    """
    try:
        return ServiceSettings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']).upper() or 'SETTINGS'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid service environment: {problems}") from None


def redact_url(url: str) -> str:
    """``scheme://user:***@host:port/path``: safe to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc}").geturl()
