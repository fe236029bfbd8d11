"""The simulated gateway (pure, seeded) and the payments settings that configure it."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.kernel.errors import ConfigurationError
from services.payments.gateway import Approval, Decline, GatewaySettings, SimulatedGateway
from services.payments.settings import load_payments_settings

ORDER = UUID("00000000-0000-4000-8000-000000000042")
TEN = Decimal("10.00")


@pytest.mark.parametrize(
    ("token", "amount", "expected"),
    [
        ("tok_decline_insufficient", TEN, Decline("card_declined", is_retriable=False)),
        ("tok_timeout", TEN, Decline("gateway_timeout", is_retriable=True)),
        ("  ", TEN, Decline("missing_payment_method", is_retriable=False)),
        ("tok_visa", Decimal("0"), Decline("invalid_amount", is_retriable=False)),
        ("tok_visa", Decimal("1.005"), Decline("invalid_amount", is_retriable=False)),
        ("tok_visa", Decimal("1e12"), Decline("invalid_amount", is_retriable=False)),
        ("tok_visa", Decimal("NaN"), Decline("invalid_amount", is_retriable=False)),
    ],
)
def test_tokens_and_amounts_decide_before_any_draw(
    token: str, amount: Decimal, expected: Decline
) -> None:
    gateway = SimulatedGateway(GatewaySettings(decline_rate=0.0))
    assert gateway.authorize(ORDER, token, amount).outcome == expected


def test_other_tokens_are_approved_with_a_stable_authorization_id() -> None:
    gateway = SimulatedGateway(GatewaySettings())
    first = gateway.authorize(ORDER, "tok_visa_4242", TEN)
    again = SimulatedGateway(GatewaySettings()).authorize(ORDER, "tok_visa_4242", TEN)
    assert isinstance(first.outcome, Approval)
    assert first == again
    assert first.latency_ms == 0
    other_seed = SimulatedGateway(GatewaySettings(seed=1)).authorize(ORDER, "tok_visa_4242", TEN)
    assert other_seed.outcome != first.outcome


def test_the_decline_rate_is_a_replayable_share_of_orders() -> None:
    orders = [uuid4() for _ in range(2000)]

    def declined(seed: int) -> list[bool]:
        gateway = SimulatedGateway(GatewaySettings(decline_rate=0.25, seed=seed))
        return [isinstance(gateway.authorize(o, "tok_visa", TEN).outcome, Decline) for o in orders]

    run = declined(seed=7)
    assert run == declined(seed=7)
    assert 0.21 < sum(run) / len(run) < 0.29
    everything = SimulatedGateway(GatewaySettings(decline_rate=1.0))
    assert all(isinstance(everything.authorize(o, "t", TEN).outcome, Decline) for o in orders[:50])


def test_latency_is_the_base_plus_a_seeded_share_of_the_jitter() -> None:
    gateway = SimulatedGateway(GatewaySettings(latency_ms=40, latency_jitter_ms=20, seed=3))
    latencies = [gateway.authorize(uuid4(), "tok_visa", TEN).latency_ms for _ in range(500)]
    assert min(latencies) >= 40
    assert max(latencies) <= 60
    assert len(set(latencies)) > 10
    assert gateway.authorize(ORDER, "tok_visa", TEN) == gateway.authorize(ORDER, "tok_visa", TEN)


def test_transaction_ids_are_stable_per_order_and_kind() -> None:
    gateway = SimulatedGateway(GatewaySettings(seed=5))
    assert gateway.transaction_id(ORDER, "capture") == gateway.transaction_id(ORDER, "capture")
    assert gateway.transaction_id(ORDER, "capture").startswith("capture_")
    assert gateway.transaction_id(ORDER, "capture") != gateway.transaction_id(uuid4(), "capture")


def test_settings_read_the_gateway_knobs_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SERVICE_NAME", "payments")
    monkeypatch.setenv("HTTP_PORT", "8000")
    monkeypatch.setenv("DATABASE_URL", "postgresql://p:pw@127.0.0.1:1/payments")
    monkeypatch.setenv("AMQP_URL", "amqp://p:pw@127.0.0.1:1/%2Fcritter")
    assert load_payments_settings().gateway() == GatewaySettings()

    monkeypatch.setenv("PAYMENT_DECLINE_RATE", "0.1")
    monkeypatch.setenv("PAYMENT_LATENCY_MS", "25")
    monkeypatch.setenv("PAYMENT_SEED", "99")
    assert load_payments_settings().gateway() == GatewaySettings(0.1, 25, 0, 99)

    monkeypatch.setenv("PAYMENT_DECLINE_RATE", "1.5")
    monkeypatch.setenv("PAYMENT_LATENCY_MS", "-1")
    with pytest.raises(ConfigurationError, match=r"PAYMENT_DECLINE_RATE.*PAYMENT_LATENCY_MS"):
        load_payments_settings()
