"""Payments' settings: the kernel's environment contract plus the simulated gateway's knobs.

================================  =====================================================
``PAYMENT_DECLINE_RATE``          optional; share of approvable payments the gateway
                                  declines anyway, 0.0-1.0, default 0.0
``PAYMENT_LATENCY_MS``            optional; the gateway's answer time, default 0
``PAYMENT_LATENCY_JITTER_MS``     optional; up to this much more, seeded per order,
                                  default 0
``PAYMENT_SEED``                  optional; seed of every gateway draw, default 0
================================  =====================================================

The decision for an order is a pure function of (seed, order id, token), so a run
with the same seed and orders replays the same approvals and declines.
"""

from __future__ import annotations

from pydantic import Field, ValidationError

from services.kernel.errors import ConfigurationError
from services.kernel.settings import ServiceSettings
from services.payments.gateway import GatewaySettings


class PaymentsSettings(ServiceSettings):
    payment_decline_rate: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    payment_latency_ms: int = Field(default=0, ge=0, le=60_000)
    payment_latency_jitter_ms: int = Field(default=0, ge=0, le=60_000)
    payment_seed: int = Field(default=0, ge=0, le=2**63 - 1)

    def gateway(self) -> GatewaySettings:
        return GatewaySettings(
            decline_rate=self.payment_decline_rate,
            latency_ms=self.payment_latency_ms,
            latency_jitter_ms=self.payment_latency_jitter_ms,
            seed=self.payment_seed,
        )


def load_payments_settings() -> PaymentsSettings:
    """Read the settings from the environment, or fail with every problem named
    (the same message shape as ``services.kernel.settings.load_settings``)."""
    try:
        return PaymentsSettings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']).upper() or 'SETTINGS'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid service environment: {problems}") from None
