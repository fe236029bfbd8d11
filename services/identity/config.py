"""Customer Identity's own settings: how its login tokens are made.

================================  =====================================================
``AUTH_SIGNING_KEY``              required here (``ServiceSettings.auth_signing_key``);
                                  the HS256 key shared with the services that verify
``AUTH_TOKEN_TTL_SECONDS``        optional; lifetime of a login token, default 43200
                                  (12 h), 60 s to 30 days
================================  =====================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from services.kernel.errors import ConfigurationError
from services.kernel.settings import ServiceSettings

DEFAULT_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class TokenPolicy:
    """The key that signs login tokens and how long they stay valid."""

    signing_key: str = field(repr=False)
    ttl: timedelta = DEFAULT_TOKEN_TTL


class _TokenSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    auth_token_ttl_seconds: int = Field(
        default=int(DEFAULT_TOKEN_TTL.total_seconds()), ge=60, le=30 * 86_400
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings  # the environment only, as for ServiceSettings


def load_token_policy(settings: ServiceSettings) -> TokenPolicy:
    """Read the token settings once; ConfigurationError names what is missing or wrong."""
    if not settings.auth_signing_key:
        raise ConfigurationError("AUTH_SIGNING_KEY is not set: Customer Identity signs tokens")
    try:
        ttl_seconds = _TokenSettings().auth_token_ttl_seconds
    except ValidationError as exc:
        problems = "; ".join(error["msg"] for error in exc.errors())
        raise ConfigurationError(f"AUTH_TOKEN_TTL_SECONDS: {problems}") from None
    return TokenPolicy(signing_key=settings.auth_signing_key, ttl=timedelta(seconds=ttl_seconds))
