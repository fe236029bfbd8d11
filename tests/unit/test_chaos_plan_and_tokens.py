"""The workload plan is a pure function of its inputs and seed; hostile tokens are refused by
the services' own verifier for the reason they were built for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from chaos.plan import CUSTOMER_POOL, DECLINING_CARD, GOOD_CARD, PlannedOrder, plan_orders
from chaos.tokens import expired_token, forged_token
from services.kernel.auth import ExpiredToken, InvalidToken, issue_token, verify_token

SKUS = ["SKU-C", "SKU-A", "SKU-B", "SKU-D"]
KEY = "chaos-test-signing-key"
CUSTOMER = UUID("22222222-2222-2222-2222-222222222222")


def plan(**changes: Any) -> list[PlannedOrder]:
    arguments: dict[str, Any] = {
        "customers": 20,
        "orders": 60,
        "rate": 4.0,
        "decline_share": 0.2,
        "seed": 7,
        "skus": SKUS,
    }
    return plan_orders(**(arguments | changes))


# --- plan ---------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_plan() -> None:
    first, again = plan(), plan()

    assert first == again
    assert len(first) == 60


def test_another_seed_gives_another_plan() -> None:
    first, other = plan(seed=7), plan(seed=8)

    assert [p.customer for p in first] != [p.customer for p in other]
    assert [p.items for p in first] != [p.items for p in other]


def test_customers_are_distinct_members_of_the_seeded_pool() -> None:
    orders = plan(customers=50, orders=200)

    customers = {p.customer for p in orders}
    assert len(customers) == 50
    assert all(1 <= number <= CUSTOMER_POOL for number in customers)
    # Orders go round the customers, so each one's orders follow one another in the plan.
    assert [p.customer for p in orders[:50]] == [p.customer for p in orders[50:100]]


def test_items_come_from_the_catalog_in_small_sorted_quantities() -> None:
    for planned in plan():
        skus = [sku for sku, _ in planned.items]
        assert 1 <= len(skus) <= 2
        assert skus == sorted(set(skus))
        assert set(skus) <= set(SKUS)
        assert all(1 <= quantity <= 3 for _, quantity in planned.items)


def test_a_one_product_catalog_still_plans_orders() -> None:
    assert {p.items[0][0] for p in plan(skus=["ONLY"])} == {"ONLY"}


@pytest.mark.parametrize(("share", "declining"), [(0.0, 0), (1.0, 60)])
def test_decline_share_sets_how_many_orders_use_the_declining_card(
    share: float, declining: int
) -> None:
    orders = plan(decline_share=share)

    tokens = [p.payment_token for p in orders]
    assert tokens.count(DECLINING_CARD) == declining
    assert tokens.count(GOOD_CARD) == len(orders) - declining


def test_a_declining_card_is_expected_to_end_cancelled() -> None:
    mixed = plan(decline_share=0.5)

    assert {p.payment_token for p in mixed} == {DECLINING_CARD, GOOD_CARD}
    for planned in mixed:
        wanted = "Cancelled" if planned.payment_token == DECLINING_CARD else "Delivered"
        assert planned.expected_status == wanted


def test_orders_are_spaced_at_the_offered_rate() -> None:
    orders = plan(rate=4.0)

    assert [p.index for p in orders] == list(range(60))
    assert [p.at_s for p in orders] == [index / 4.0 for index in range(60)]


def test_an_empty_catalog_is_refused() -> None:
    with pytest.raises(ValueError, match="no product"):
        plan(skus=[])


# --- tokens -------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


def genuine_token(customer: UUID = CUSTOMER) -> str:
    return issue_token(customer, KEY, now=now(), ttl=timedelta(hours=1))


def test_a_genuine_token_is_accepted() -> None:
    assert verify_token(genuine_token(), KEY, now=now()) == CUSTOMER


def test_an_expired_token_is_refused_as_expired() -> None:
    with pytest.raises(ExpiredToken):
        verify_token(expired_token(str(CUSTOMER), KEY), KEY, now=now())


def test_an_expired_token_is_genuinely_signed_and_only_expired() -> None:
    token = expired_token(str(CUSTOMER), KEY, hours_ago=2)

    # While it was still valid, the verifier took it; with another key it is a forgery.
    assert verify_token(token, KEY, now=now() - timedelta(minutes=90)) == CUSTOMER
    with pytest.raises(InvalidToken) as refused:
        verify_token(token, "another-key", now=now())
    assert not isinstance(refused.value, ExpiredToken)


def test_a_forged_token_is_refused_as_invalid_not_expired() -> None:
    genuine = genuine_token()
    forged = forged_token(genuine)

    assert forged != genuine
    assert forged.rsplit(".", 1)[0] == genuine.rsplit(".", 1)[0]  # same claims
    with pytest.raises(InvalidToken, match="signature") as refused:
        verify_token(forged, KEY, now=now())
    assert not isinstance(refused.value, ExpiredToken)


def test_a_signature_already_starting_with_a_is_still_altered() -> None:
    customers = (UUID(int=number) for number in range(1, 20_000))
    genuine = next(t for t in map(genuine_token, customers) if t.split(".")[2].startswith("A"))

    forged = forged_token(genuine)

    assert forged.split(".")[2].startswith("B")
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(forged, KEY, now=now())
