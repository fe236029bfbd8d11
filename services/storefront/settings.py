"""Settings of the Storefront beyond the kernel's contract (read once, passed down).

==========================================  ===========================================
``STOREFRONT_SSE_HEARTBEAT_SECONDS``        optional; comment line sent on an idle
                                            stream so proxies and clients keep it;
                                            default 15
``STOREFRONT_SSE_REPLAY_BATCH``             optional; rows read per query when a stream
                                            catches up from the database; default 500
``STOREFRONT_UPSTREAM_TIMEOUT_SECONDS``     optional; deadline of one call to another
                                            service; default 5
``STOREFRONT_CHECKOUT_DEADLINE_SECONDS``    optional; how long ``POST .../checkout``
                                            waits for Orders to know the checkout
                                            (it learns of it from a message); default 10
``STOREFRONT_RETENTION_HOURS``              optional; notifications older than this are
                                            pruned (no replay past it); default 24
``STOREFRONT_UPSTREAM_MAX_CONNECTIONS``     optional; open connections per upstream
                                            service; default 50
``STOREFRONT_LISTING_TTL_SECONDS``          optional; a catalog listing page is reused
                                            this long (prices shown are informational:
                                            Shopping prices every line); default 3
``STOREFRONT_NAMES_TTL_SECONDS``            optional; product names and images of cart
                                            and order lines are reloaded after this;
                                            default 30
``STOREFRONT_STOCK_TTL_SECONDS``            optional; in-stock flags are reused this
                                            long; default 0 (always asked)
``STOREFRONT_CART_ID_TTL_SECONDS``          optional; a customer's cart id is reused
                                            this long (Shopping refuses a closed one,
                                            and the add is retried on a fresh one);
                                            default 300
==========================================  ===========================================

``AUTH_SIGNING_KEY`` (``ServiceSettings.auth_signing_key``) is required: without it no
customer token can be checked. The ``global-sse`` defect switch (``SANDBOX_DEFECTS``)
turns the per-customer routing off; see ``services.storefront.sse``.
"""

from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.kernel.errors import ConfigurationError
from services.kernel.settings import ServiceSettings

GLOBAL_SSE = "global-sse"


class StorefrontSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, env_prefix="STOREFRONT_"
    )

    sse_heartbeat_seconds: float = Field(default=15.0, ge=0.05, le=300)
    sse_replay_batch: int = Field(default=500, ge=1, le=10_000)
    upstream_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    checkout_deadline_seconds: float = Field(default=10.0, gt=0, le=300)
    retention_hours: float = Field(default=24.0, gt=0, le=24 * 365)
    upstream_max_connections: int = Field(default=50, ge=1, le=10_000)
    # 0 turns a cache off (tests that change the fakes between calls).
    listing_ttl_seconds: float = Field(default=3.0, ge=0, le=300)
    names_ttl_seconds: float = Field(default=30.0, ge=0, le=3600)
    stock_ttl_seconds: float = Field(default=0.0, ge=0, le=1)
    cart_id_ttl_seconds: float = Field(default=300.0, ge=0, le=3600)


def load_storefront_settings() -> StorefrontSettings:
    """Read the Storefront settings from the environment; ConfigurationError names bad ones."""
    try:
        return StorefrontSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"STOREFRONT_{'.'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid Storefront environment: {problems}") from None


def signing_key(settings: ServiceSettings) -> str:
    """The token key; ConfigurationError if the environment has none."""
    if not settings.auth_signing_key:
        raise ConfigurationError("AUTH_SIGNING_KEY is not set: the Storefront checks tokens")
    return settings.auth_signing_key
