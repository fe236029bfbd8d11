"""Inventory's pure rules: the all-or-nothing reservation plan and the order transitions."""

from __future__ import annotations

from uuid import UUID

import pytest

from services.inventory.domain import (
    Allocation,
    OrderStatus,
    RequestedLine,
    Shortage,
    SkuStock,
    Step,
    StockBelowReserved,
    StockLevel,
    commit_step,
    plan_reservation,
    release_step,
    reservation_id,
)

ORDER = UUID("00000000-0000-4000-8000-000000000001")


def levels(*entries: tuple[str, str, int, int]) -> list[StockLevel]:
    return [StockLevel(*entry) for entry in entries]


def test_each_sku_comes_from_the_first_warehouse_that_holds_all_of_it() -> None:
    stock = levels(("A", "WH-02", 10, 0), ("A", "WH-01", 3, 0), ("B", "WH-01", 5, 1))
    plan = plan_reservation(ORDER, [RequestedLine("B", 4), RequestedLine("A", 5)], stock)
    assert plan == (
        Allocation(reservation_id(ORDER, "A", "WH-02"), "A", "WH-02", 5),
        Allocation(reservation_id(ORDER, "B", "WH-01"), "B", "WH-01", 4),
    )


def test_lines_of_one_sku_are_summed_and_split_over_warehouses_when_none_suffices() -> None:
    stock = levels(("A", "WH-01", 4, 1), ("A", "WH-02", 4, 0))
    plan = plan_reservation(ORDER, [RequestedLine("A", 3), RequestedLine("A", 2)], stock)
    assert isinstance(plan, tuple)
    assert [(a.warehouse_id, a.quantity) for a in plan] == [("WH-01", 3), ("WH-02", 2)]


def test_the_first_short_sku_in_sku_order_fails_the_whole_order() -> None:
    stock = levels(("A", "WH-01", 1, 0), ("B", "WH-01", 9, 8), ("C", "WH-01", 0, 0))
    plan = plan_reservation(
        ORDER, [RequestedLine("C", 1), RequestedLine("B", 2), RequestedLine("A", 1)], stock
    )
    assert plan == Shortage("B", 2, 1, "insufficient stock")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([RequestedLine("Z", 1)], Shortage("Z", 1, 0, "unknown SKU")),
        ([RequestedLine("A", 0)], Shortage("A", 0, 0, "quantity must be 1 to 1000000000")),
        (
            [RequestedLine("A", 10**12)],
            Shortage("A", 10**12, 0, "quantity must be 1 to 1000000000"),
        ),
        ([RequestedLine("a\x00b", 1)], Shortage("ab", 1, 0, "malformed SKU")),
        ([], Shortage("", 0, 0, "the order has no lines")),
    ],
)
def test_unreservable_orders_name_the_reason(
    lines: list[RequestedLine], expected: Shortage
) -> None:
    assert plan_reservation(ORDER, lines, levels(("A", "WH-01", 5, 0))) == expected


def test_reservation_ids_are_deterministic_per_order_sku_and_warehouse() -> None:
    assert reservation_id(ORDER, "A", "WH-01") == reservation_id(ORDER, "A", "WH-01")
    assert reservation_id(ORDER, "A", "WH-01") != reservation_id(ORDER, "A", "WH-02")


def test_on_hand_may_not_drop_below_the_reserved_units() -> None:
    level = StockLevel("A", "WH-01", 10, 4)
    assert level.with_on_hand(4).available == 0
    with pytest.raises(StockBelowReserved, match="below the 4 units reserved"):
        level.with_on_hand(3)


def test_sku_totals_add_up_the_warehouses() -> None:
    stock = SkuStock("A", tuple(levels(("A", "WH-01", 10, 4), ("A", "WH-02", 5, 0))))
    assert (stock.on_hand, stock.reserved, stock.available) == (15, 4, 11)


@pytest.mark.parametrize(
    ("status", "commit", "release"),
    [
        (None, Step.REFUSED, Step.TOMBSTONE),
        (OrderStatus.RESERVED, Step.APPLY, Step.APPLY),
        (OrderStatus.FAILED, Step.REFUSED, Step.ANSWER),
        (OrderStatus.COMMITTED, Step.DONE, Step.REFUSED),
        (OrderStatus.RELEASED, Step.REFUSED, Step.DONE),
    ],
)
def test_order_transitions_only_move_forward(
    status: OrderStatus | None, commit: Step, release: Step
) -> None:
    assert commit_step(status) is commit
    assert release_step(status) is release
