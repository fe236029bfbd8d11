"""Fulfillment's settings: the kernel's environment contract plus the warehouse simulator.

================================  =====================================================
``FULFILLMENT_AUTO_PROGRESS``     optional; ``true`` (default) lets shipments move on
                                  their own; ``false`` leaves them to the manual endpoints
``FULFILLMENT_DISPATCH_DELAY_MS``  optional; mean time from assignment to dispatch, 200
``FULFILLMENT_DELIVERY_DELAY_MS``  optional; mean time from dispatch to delivery, 500
``FULFILLMENT_SEED``              optional; seed of every simulated choice, default 0
================================  =====================================================
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationError

from services.fulfillment.autopilot import Autopilot
from services.kernel.errors import ConfigurationError
from services.kernel.settings import ServiceSettings

_DAY_MS = 86_400_000


class FulfillmentSettings(ServiceSettings):
    fulfillment_auto_progress: bool = True
    fulfillment_dispatch_delay_ms: int = Field(default=200, ge=0, le=_DAY_MS)
    fulfillment_delivery_delay_ms: int = Field(default=500, ge=0, le=_DAY_MS)
    fulfillment_seed: int = 0

    def autopilot(self) -> Autopilot:
        return Autopilot(
            enabled=self.fulfillment_auto_progress,
            seed=self.fulfillment_seed,
            dispatch_delay=timedelta(milliseconds=self.fulfillment_dispatch_delay_ms),
            delivery_delay=timedelta(milliseconds=self.fulfillment_delivery_delay_ms),
        )


def load_fulfillment_settings() -> FulfillmentSettings:
    """Read the settings from the environment, or fail naming each bad variable."""
    try:
        return FulfillmentSettings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']).upper() or 'SETTINGS'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid service environment: {problems}") from None
