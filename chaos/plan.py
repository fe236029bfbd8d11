"""The workload plan: which customer places which order with what, when; a pure function of
the scenario's workload and the seed, so a seed replays the same run."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

CUSTOMER_POOL = 2000  # seeded customers customer0001 ... customer2000 (see README)
GOOD_CARD = "tok_visa_4242"
DECLINING_CARD = "tok_decline_chaos"


@dataclass(frozen=True)
class PlannedOrder:
    index: int
    customer: int  # number in the seeded pool
    items: tuple[tuple[str, int], ...]  # (sku, quantity)
    payment_token: str
    at_s: float  # earliest start, from the start of the workload

    @property
    def expected_status(self) -> str:
        return "Cancelled" if self.payment_token == DECLINING_CARD else "Delivered"


def customer_email(number: int) -> str:
    return f"customer{number:04d}@example.com"


def customer_password(number: int) -> str:
    return f"critter-pass-{number:04d}"


def plan_orders(
    *,
    customers: int,
    orders: int,
    rate: float,
    decline_share: float,
    seed: int,
    skus: Sequence[str],
) -> list[PlannedOrder]:
    if not skus:
        raise ValueError("the catalog has no product to order")
    rng = random.Random(seed)
    pool = rng.sample(range(1, CUSTOMER_POOL + 1), customers)
    catalog = sorted(skus)
    plan = []
    for index in range(orders):
        lines = rng.sample(catalog, min(len(catalog), rng.randint(1, 2)))
        plan.append(
            PlannedOrder(
                index=index,
                customer=pool[index % customers],
                items=tuple((sku, rng.randint(1, 3)) for sku in sorted(lines)),
                payment_token=DECLINING_CARD if rng.random() < decline_share else GOOD_CARD,
                at_s=index / rate,
            )
        )
    return plan
