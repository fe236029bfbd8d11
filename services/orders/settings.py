"""Settings of the Orders service beyond the kernel's contract (read once, passed down).

================================  =====================================================
``ORDER_SAGA_TIMEOUT_SECONDS``    optional; an order not confirmed this long after it
                                  was placed is cancelled ("timeout"); default 300
``ORDER_SAGA_STUCK_SECONDS``      optional; an order whose saga has not moved this long
                                  while it waits for an answer counts as stuck
                                  (``orders_sagas_stuck``); default: the saga timeout
``IDENTITY_TIMEOUT_SECONDS``      optional; deadline of one address look-up; default 5
================================  =====================================================
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.kernel.errors import ConfigurationError


class OrdersSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    order_saga_timeout_seconds: float = Field(default=300.0, gt=0, le=7 * 24 * 3600)
    order_saga_stuck_seconds: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)
    identity_timeout_seconds: float = Field(default=5.0, gt=0, le=120)

    @property
    def saga_timeout(self) -> timedelta:
        return timedelta(seconds=self.order_saga_timeout_seconds)

    @property
    def stuck_after(self) -> timedelta:
        stuck = self.order_saga_stuck_seconds
        return self.saga_timeout if stuck is None else timedelta(seconds=stuck)


def load_orders_settings() -> OrdersSettings:
    """Read the Orders settings from the environment; ConfigurationError names bad ones."""
    try:
        return OrdersSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid Orders environment: {problems}") from None
