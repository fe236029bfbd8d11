"""The verdicts of chaos/checks on small hand-built truths: durability, isolation, recovery."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from chaos.checks.durability import check_orders, check_stock
from chaos.checks.evidence import MAX_EVIDENCE
from chaos.checks.isolation import check_streams
from chaos.checks.recovery import check_faults_happened, check_recovery
from chaos.plan import DECLINING_CARD, GOOD_CARD, PlannedOrder
from chaos.sse_client import Event, Listener
from chaos.truth import OrderTruth
from chaos.workload import Attempt, Probe, WorkloadRecord
from reports.model import Check, FaultRecord

PLACED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LINES = [("SKU-1", 2), ("SKU-2", 1)]
TOTAL = Decimal("30.00")


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


# --- fixtures: orders as the client saw them and as the databases recorded them -------------


def attempt(
    order_id: str | None,
    *,
    customer: str = "cust-1",
    declined: bool = False,
    outcome: str = "acknowledged",
) -> Attempt:
    planned = PlannedOrder(
        index=0,
        customer=1,
        items=tuple(LINES),
        payment_token=DECLINING_CARD if declined else GOOD_CARD,
        at_s=0.0,
    )
    return Attempt(planned, customer_id=customer, order_id=order_id, outcome=outcome)


def delivered(order_id: str, customer: str = "cust-1") -> OrderTruth:
    """An order that went all the way, with exactly one of each effect."""
    return OrderTruth(
        order_id=order_id,
        customer_id=customer,
        status="Delivered",
        placed_at=PLACED_AT,
        confirmed_at=PLACED_AT,
        total=TOTAL,
        lines=list(LINES),
        history=["Placed", "Confirmed", "Shipped", "Delivered"],
        reservation="Committed",
        reserved_lines=[(sku, quantity, "Committed") for sku, quantity in LINES],
        payments=[("Captured", TOTAL)],
        shipments=["Delivered"],
        notified=Counter({"Confirmed": 1, "Shipped": 1, "Delivered": 1}),
    )


def cancelled(order_id: str, customer: str = "cust-1") -> OrderTruth:
    """An order whose card was declined: stock released, nothing captured or shipped."""
    return replace(
        delivered(order_id, customer),
        status="Cancelled",
        confirmed_at=None,
        cancel_reason="payment declined",
        history=["Placed", "Cancelled"],
        reservation="Released",
        reserved_lines=[(sku, quantity, "Released") for sku, quantity in LINES],
        payments=[("Declined", None)],
        shipments=[],
        notified=Counter({"Cancelled": 1}),
    )


def placed_in(status: str, order_id: str) -> OrderTruth:
    return replace(delivered(order_id), status=status, history=["Placed"], shipments=[])


def run_checks(attempts: list[Attempt], truths: list[OrderTruth]) -> dict[str, Check]:
    return by_name(check_orders(WorkloadRecord(attempts), {t.order_id: t for t in truths}))


# --- durability: orders -----------------------------------------------------------------------


def test_orders_with_exactly_their_effects_are_clean() -> None:
    checks = run_checks(
        [attempt("o-1"), attempt("o-2", declined=True)], [delivered("o-1"), cancelled("o-2")]
    )

    assert checks["orders-not-lost"].passed, checks["orders-not-lost"].evidence
    assert checks["no-duplicate-effects"].passed, checks["no-duplicate-effects"].evidence
    assert checks["orders-not-lost"].figures["acknowledged"] == 2
    assert checks["orders-not-lost"].figures["lost"] == 0
    assert checks["no-duplicate-effects"].figures["duplicated"] == 0


LOST = "orders-not-lost"
DUPLICATED = "no-duplicate-effects"
TWICE_CONFIRMED = ["Placed", "Confirmed", "Confirmed", "Delivered"]
OVER_COMMITTED = [("SKU-1", 3, "Committed"), ("SKU-2", 1, "Committed")]

# id -> (what the databases hold, whether the card was a declining one, the check that must
# fail, a fragment of its evidence for order o-1)
DEVIATIONS: dict[str, tuple[OrderTruth, bool, str, str]] = {
    "stuck": (placed_in("Confirmed", "o-1"), False, LOST, "ended Confirmed, expected Delivered"),
    "declined-but-delivered": (delivered("o-1"), True, LOST, "ended Delivered, expected Cancelled"),
    "no-capture": (replace(delivered("o-1"), payments=[]), False, LOST, "captured [], expected"),
    "not-shipped": (
        replace(delivered("o-1"), shipments=["Pending"]), False, LOST, "shipments ['Pending']"
    ),
    "not-committed": (
        replace(delivered("o-1"), reservation="Released"), False, LOST, "reservation Released"
    ),
    "two-payments": (
        replace(delivered("o-1"), payments=[("Captured", TOTAL)] * 2), False, DUPLICATED,
        "2 payments",
    ),
    "two-shipments": (
        replace(delivered("o-1"), shipments=["Delivered"] * 2), False, DUPLICATED, "2 shipments"
    ),
    "notified-twice": (
        replace(delivered("o-1"), notified=Counter({"Delivered": 2})), False, DUPLICATED,
        "2 'Delivered' notifications",
    ),
    "history-repeated": (
        replace(delivered("o-1"), history=TWICE_CONFIRMED), False, DUPLICATED,
        "status Confirmed recorded 2 times",
    ),
    "capture-on-cancelled": (
        replace(cancelled("o-1"), payments=[("Captured", TOTAL)]), True, DUPLICATED,
        "captured [Decimal('30.00')] for a cancelled order",
    ),
    "shipped-cancelled": (
        replace(cancelled("o-1"), shipments=["Pending"]), True, DUPLICATED,
        "shipped ['Pending'] for a cancelled order",
    ),
    "committed-differs": (
        replace(delivered("o-1"), reserved_lines=OVER_COMMITTED), False, DUPLICATED,
        "committed {'SKU-1': 3, 'SKU-2': 1}",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("truth", "declined", "failing", "fragment"), list(DEVIATIONS.values()), ids=list(DEVIATIONS)
)
def test_each_deviation_is_caught_in_its_own_bucket(
    truth: OrderTruth, declined: bool, failing: str, fragment: str
) -> None:
    checks = run_checks([attempt("o-1", declined=declined)], [truth])

    other = DUPLICATED if failing == LOST else LOST
    assert not checks[failing].passed
    assert any(
        line.startswith("o-1: ") and fragment in line for line in checks[failing].evidence
    ), checks[failing].evidence
    assert checks[other].passed, checks[other].evidence


def test_an_order_wrong_in_several_ways_counts_once() -> None:
    wrong = replace(placed_in("Placed", "o-1"), payments=[], reservation=None)

    checks = run_checks([attempt("o-1")], [wrong])

    assert checks[LOST].figures["lost"] == 1


def test_an_acknowledged_order_unknown_to_orders_is_lost() -> None:
    checks = run_checks([attempt("o-1"), attempt("o-ghost")], [delivered("o-1")])

    assert not checks[LOST].passed
    assert checks[LOST].evidence == ["o-ghost: acknowledged but unknown to Orders"]
    assert checks[LOST].figures["lost"] == 1


def test_unacknowledged_orders_are_classified_completed_stuck_or_never_created() -> None:
    attempts = [
        attempt("o-1"),
        attempt(None, outcome="failed"),
        attempt(None, outcome="failed"),
        attempt(None, outcome="failed"),
        attempt(None, outcome="rejected"),  # answered: not a lost answer
    ]
    truths = [delivered("o-1"), delivered("o-done"), placed_in("Placed", "o-stuck")]

    check = run_checks(attempts, truths)[LOST]

    assert not check.passed
    assert check.evidence == ["o-stuck: unacknowledged and stuck in Placed"]
    assert check.figures == {
        "acknowledged": 1,
        "lost": 1,
        "duplicated": 0,
        "unacknowledged": 3,
        "unacknowledged_completed": 1,
        "unacknowledged_stuck": 1,
        "unacknowledged_never_created": 1,
    }


def test_duplicate_effects_of_an_unacknowledged_order_are_caught() -> None:
    doubled = replace(delivered("o-unseen"), shipments=["Delivered", "Delivered"])

    checks = run_checks([attempt(None, outcome="failed")], [doubled])

    assert not checks[DUPLICATED].passed
    assert checks[DUPLICATED].evidence == ["o-unseen: 2 shipments"]


def test_orders_not_lost_fails_when_nothing_was_acknowledged() -> None:
    checks = run_checks([attempt(None, outcome="failed"), attempt(None, outcome="rejected")], [])

    assert not checks[LOST].passed
    assert checks[LOST].figures["acknowledged"] == 0
    assert checks[LOST].figures["lost"] == 0


def test_evidence_is_bounded_and_says_how_much_was_left_out() -> None:
    extra = 5
    ids = [f"o-{n:02d}" for n in range(MAX_EVIDENCE + extra)]

    check = run_checks([attempt(i) for i in ids], [])[LOST]

    assert check.figures["lost"] == MAX_EVIDENCE + extra
    assert len(check.evidence) == MAX_EVIDENCE + 1
    assert check.evidence[-1] == f"... and {extra} more"


# --- durability: stock ------------------------------------------------------------------------

STOCK_BEFORE = {("SKU-1", "W1"): (10, 0), ("SKU-1", "W2"): (5, 0), ("SKU-2", "W1"): (7, 0)}
COMMITTED = Counter({"SKU-1": 2, "SKU-2": 1})


def stock_after(sku1_w1: int = 9, sku1_w2: int = 4, sku2: int = 6, reserved: int = 0) -> Any:
    return {("SKU-1", "W1"): (sku1_w1, reserved), ("SKU-1", "W2"): (sku1_w2, 0),
            ("SKU-2", "W1"): (sku2, 0)}  # fmt: skip


def test_stock_that_fell_by_exactly_what_was_committed_is_conserved() -> None:
    check = check_stock(STOCK_BEFORE, stock_after(), COMMITTED, Counter())

    assert check.passed, check.evidence
    assert check.figures == {"skus": 2, "units_committed": 3}


def test_an_on_hand_drop_other_than_committed_names_the_sku() -> None:
    check = check_stock(STOCK_BEFORE, stock_after(sku2=5), COMMITTED, Counter())

    assert not check.passed
    assert check.evidence == ["SKU-2: on hand fell by 2, reservations committed 1"]


def test_a_reserved_count_that_disagrees_with_held_reservations_fails() -> None:
    check = check_stock(STOCK_BEFORE, stock_after(reserved=1), COMMITTED, Counter())

    assert not check.passed
    assert check.evidence == ["SKU-1@W1: reserved 1, reservations held 0"]


def test_reservations_still_held_are_not_a_leak() -> None:
    held = Counter({("SKU-1", "W1"): 1})

    assert check_stock(STOCK_BEFORE, stock_after(reserved=1), COMMITTED, held).passed


# --- isolation ----------------------------------------------------------------------------


def event(event_id: int, order_id: str, status: str, customer: str) -> Event:
    data = {"orderId": order_id, "customerId": customer, "newStatus": status}
    return Event(event_id, "order-status-changed", data, 0.0)


def listener(customer: str, *events: Event) -> Listener:
    return Listener("http://127.0.0.1:1", customer, "token", events=list(events))


def streams(
    listeners: list[Listener], probes: list[Probe] | None = None, **finals: str
) -> dict[str, Check]:
    attempts = [attempt("o1", customer="c1"), attempt("o2", customer="c2")]
    record = WorkloadRecord(
        attempts, listeners={one.customer_id: one for one in listeners}, probes=probes or []
    )
    return by_name(check_streams(record, finals or {"o1": "Delivered", "o2": "Cancelled"}))


def clean_streams() -> list[Listener]:
    return [
        listener("c1", event(1, "o1", "Confirmed", "c1"), event(2, "o1", "Delivered", "c1")),
        listener("c2", event(3, "o2", "Cancelled", "c2")),
    ]


REFUSED = [Probe("none", 401, 401), Probe("forged", 401, 401), Probe("foreign", 403, 403)]


def test_streams_carrying_only_their_owners_final_events_pass() -> None:
    checks = streams(clean_streams(), REFUSED)

    assert all(check.passed for check in checks.values()), checks
    assert set(checks) == {"sse-no-leak", "sse-final-events", "sse-hostile-refused"}
    assert checks["sse-no-leak"].figures == {"leaked": 0, "streams": 2, "events": 3}


def test_an_event_of_another_customer_is_a_leak_with_both_ids() -> None:
    one, two = clean_streams()
    one.events.append(event(9, "o2", "Cancelled", "c2"))

    check = streams([one, two])["sse-no-leak"]

    assert not check.passed
    assert check.evidence == ["c1 received event 9 of c2"]


def test_a_missing_final_status_fails() -> None:
    one, two = clean_streams()
    one.events.pop()  # the Delivered event

    check = streams([one, two])["sse-final-events"]

    assert not check.passed
    assert check.evidence == ["c1: Delivered of o1 never seen"]


def test_the_same_status_twice_fails() -> None:
    one, two = clean_streams()
    two.events.append(event(4, "o2", "Cancelled", "c2"))

    check = streams([one, two])["sse-final-events"]

    assert not check.passed
    assert check.evidence == ["c2: Cancelled of o2 seen 2 times"]


def test_the_same_event_id_twice_fails() -> None:
    one, two = clean_streams()
    one.events.insert(1, event(1, "o1", "Confirmed", "c1"))

    check = streams([one, two])["sse-final-events"]

    assert not check.passed
    assert "c1 received event 1 2 times" in check.evidence


def test_a_hostile_subscription_answered_wrongly_fails() -> None:
    probes = [*REFUSED, Probe("expired", 401, 200), Probe("foreign", 403, None, "ReadTimeout")]

    check = streams(clean_streams(), probes)["sse-hostile-refused"]

    assert not check.passed
    assert check.evidence == [
        "expired: expected 401, got 200",
        "foreign: expected 403, got ReadTimeout",
    ]
    assert check.figures == {"probes": 5, "accepted_wrongly": 2}


def test_no_stream_proves_no_isolation() -> None:
    checks = streams([])

    assert not checks["sse-no-leak"].passed
    assert "sse-hostile-refused" not in checks


# --- recovery -----------------------------------------------------------------------------


def fault(
    label: str = "kill orders", start: float | None = 10.0, end: float | None = 20.0, **more: Any
) -> FaultRecord:
    return FaultRecord(label=label, kind="process", planned_at_s=10.0, planned_duration_s=10.0,
                       started_at_s=start, ended_at_s=end, **more)  # fmt: skip


def steady(start: float, stop: float, per_second: int = 10) -> list[float]:
    """Completions at ``per_second`` from ``start`` (included) to ``stop`` (excluded)."""
    count = round((stop - start) * per_second)
    return [start + n / per_second for n in range(count)]


def test_faults_happened_passes_only_when_every_fault_was_observed() -> None:
    seen = fault(happened=True, evidence="orders pid 1 -> 2")
    unseen = fault(label="pause postgres", error="no process to pause")

    assert check_faults_happened([seen]).passed
    assert check_faults_happened([]).passed
    failing = check_faults_happened([seen, unseen])
    assert not failing.passed
    assert failing.evidence[0] == "pause postgres: no process to pause"
    assert "kill orders: orders pid 1 -> 2" in failing.evidence
    assert failing.figures == {"faults": 2, "not_observed": 1}


def test_recovery_measures_first_completion_and_time_to_throughput() -> None:
    completions = steady(0.0, 10.0) + steady(21.0, 31.0)  # 10/s, a gap, 10/s from 1 s after

    check = check_recovery([fault()], completions, offered_rate=10.0, deadline_s=5.0)

    assert check.passed, check.evidence
    assert check.figures["fault1_pre_fault_throughput"] == 10.0
    assert check.figures["fault1_first_completion_s"] == pytest.approx(1.0)
    # 90 % of 10/s over a 2 s window is 18 completions: 21.0 ... 22.7
    assert check.figures["fault1_throughput90_s"] == pytest.approx(2.7)


def test_too_little_history_before_a_fault_uses_the_offered_rate() -> None:
    completions = steady(0.0, 0.5) + steady(6.0, 12.0)

    check = check_recovery([fault(start=0.5, end=5.0)], completions, 4.0, deadline_s=5.0)

    assert check.figures["fault1_pre_fault_throughput"] == 4.0


def test_a_first_completion_after_the_deadline_fails() -> None:
    completions = steady(0.0, 10.0) + steady(21.0, 31.0)

    check = check_recovery([fault()], completions, offered_rate=10.0, deadline_s=0.5)

    assert not check.passed
    assert check.evidence == ["kill orders: first completion 1.0 s after it ended"]


def test_no_completion_after_a_fault_while_work_went_on_fails() -> None:
    completions = [*steady(0.0, 10.0), 12.0, 15.0]  # trickled during the fault, then nothing

    check = check_recovery([fault()], completions, offered_rate=10.0, deadline_s=5.0)

    assert not check.passed
    assert check.evidence == ["kill orders: no order completed after it ended"]
    assert check.figures["fault1_first_completion_s"] is None


def test_a_fault_after_which_nothing_ever_completes_fails() -> None:
    completions = steady(0.0, 10.0)  # 10/s right up to the fault, then never again

    check = check_recovery(
        [fault()], completions, offered_rate=10.0, deadline_s=5.0, last_checkout_s=25.0
    )

    assert not check.passed


def test_a_fault_that_never_started_is_not_measured() -> None:
    check = check_recovery([fault(start=None, end=None)], steady(0, 10), 10.0, deadline_s=1.0)

    assert check.passed
    assert check.figures == {}
