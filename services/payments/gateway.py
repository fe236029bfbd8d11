"""The simulated card gateway: pure and deterministic.

Outcome of an authorisation, in order of precedence:

1. a token starting ``tok_decline`` -> declined ``card_declined`` (not retriable);
2. a token starting ``tok_timeout`` -> declined ``gateway_timeout`` (retriable);
3. an empty token, or an amount that is not a positive number of cents up to
   ``MAX_AMOUNT`` -> declined, not retriable;
4. otherwise a seeded draw in [0, 1) below ``decline_rate`` -> declined
   ``insufficient_funds`` (not retriable); anything else (e.g. ``tok_visa``) is approved.

Every draw and id is a hash of (seed, order id, token, purpose): the same inputs always
give the same answer, so load and chaos runs replay. ``latency_ms`` (plus a seeded share
of ``latency_jitter_ms``) is how long the gateway takes to answer; the caller waits it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from services.kernel.money import CENT

MAX_AMOUNT = Decimal("9999999999.99")  # numeric(12, 2)
DECLINE_PREFIX = "tok_decline"
TIMEOUT_PREFIX = "tok_timeout"


@dataclass(frozen=True)
class GatewaySettings:
    decline_rate: float = 0.0
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.decline_rate <= 1.0:
            raise ValueError(f"decline_rate must be within 0..1, not {self.decline_rate}")
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("gateway latencies must not be negative")


@dataclass(frozen=True)
class Approval:
    authorization_id: str


@dataclass(frozen=True)
class Decline:
    reason: str
    is_retriable: bool


@dataclass(frozen=True)
class GatewayDecision:
    outcome: Approval | Decline
    latency_ms: int


class SimulatedGateway:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings

    def authorize(self, order_id: UUID, token: str, amount: Decimal) -> GatewayDecision:
        """The gateway's answer to authorising ``amount`` on ``token`` for ``order_id``."""
        return GatewayDecision(self._outcome(order_id, token, amount), self._latency(order_id))

    def transaction_id(self, order_id: UUID, kind: str) -> str:
        """A stable gateway reference for a capture or refund (``kind``) of the order."""
        return f"{kind}_{_digest(self.settings.seed, order_id, '', kind)[:24]}"

    def _outcome(self, order_id: UUID, token: str, amount: Decimal) -> Approval | Decline:
        if token.startswith(DECLINE_PREFIX):
            return Decline("card_declined", is_retriable=False)
        if token.startswith(TIMEOUT_PREFIX):
            return Decline("gateway_timeout", is_retriable=True)
        if not token.strip():
            return Decline("missing_payment_method", is_retriable=False)
        if not is_valid_amount(amount):
            return Decline("invalid_amount", is_retriable=False)
        if self._draw(order_id, token, "decline") < self.settings.decline_rate:
            return Decline("insufficient_funds", is_retriable=False)
        return Approval(f"auth_{_digest(self.settings.seed, order_id, token, 'auth')[:24]}")

    def _latency(self, order_id: UUID) -> int:
        jitter = self.settings.latency_jitter_ms
        extra = int(self._draw(order_id, "", "latency") * (jitter + 1)) if jitter else 0
        return self.settings.latency_ms + extra

    def _draw(self, order_id: UUID, token: str, purpose: str) -> float:
        """A uniform number in [0, 1) fixed by the seed and the inputs."""
        digest = _digest(self.settings.seed, order_id, token, purpose)
        return int(digest[:16], 16) / 2**64


def is_valid_amount(amount: Decimal) -> bool:
    """A positive amount with at most two decimals that fits the payments table."""
    return amount.is_finite() and 0 < amount <= MAX_AMOUNT and amount == amount.quantize(CENT)


def _digest(seed: int, order_id: UUID, token: str, purpose: str) -> str:
    return hashlib.sha256(f"{seed}|{order_id}|{token}|{purpose}".encode()).hexdigest()
