"""The shipment state machine and the seeded autopilot that drives it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.fulfillment.autopilot import CARRIERS, WAREHOUSES, Autopilot
from services.fulfillment.domain import (
    Shipment,
    ShipmentLine,
    ShipmentStateConflict,
    ShipmentStatus,
    ShippingAddress,
)
from services.fulfillment.settings import FulfillmentSettings

T0 = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
ADDRESS = ShippingAddress("123 Main Street", "Seattle", "WA", "98101", "US", "Apt 4B")


def pending(order_id: UUID | None = None) -> Shipment:
    return Shipment(
        shipment_id=uuid4(),
        order_id=order_id or uuid4(),
        customer_id=uuid4(),
        address=ADDRESS,
        lines=(ShipmentLine("DOG-BOWL-001", 2),),
        shipping_method="Standard",
        created_at=T0,
    )


def test_a_shipment_moves_forward_through_every_state() -> None:
    assigned = pending().assign("WH-01", T0)
    shipped = assigned.dispatch("UPS", "1Z999", T0 + timedelta(seconds=1))
    delivered = shipped.confirm_delivery("Alice", T0 + timedelta(seconds=2))
    assert [s.status for s in (assigned, shipped, delivered)] == [
        ShipmentStatus.ASSIGNED,
        ShipmentStatus.SHIPPED,
        ShipmentStatus.DELIVERED,
    ]
    assert delivered.warehouse_id == "WH-01"
    assert (delivered.carrier, delivered.tracking_number) == ("UPS", "1Z999")
    assert delivered.recipient_name == "Alice"
    assert (delivered.assigned_at, delivered.delivered_at) == (T0, T0 + timedelta(seconds=2))
    assert delivered.is_terminal


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (ShipmentStatus.PENDING, {"assign"}),
        (ShipmentStatus.ASSIGNED, {"dispatch"}),
        (ShipmentStatus.SHIPPED, {"confirm"}),
        (ShipmentStatus.DELIVERED, set()),
        (ShipmentStatus.DELIVERY_FAILED, set()),
    ],
)
def test_each_step_is_allowed_in_exactly_one_state(
    state: ShipmentStatus, allowed: set[str]
) -> None:
    shipment = dataclasses.replace(pending(), status=state)
    steps = {
        "assign": lambda: shipment.assign("WH-02", T0),
        "dispatch": lambda: shipment.dispatch("DHL", "T-1", T0),
        "confirm": lambda: shipment.confirm_delivery(None, T0),
    }
    for name, step in steps.items():
        if name in allowed:
            assert step().status is not state
        else:
            with pytest.raises(ShipmentStateConflict, match=state.value) as caught:
                step()
            assert caught.value.status_code == 409


def test_the_autopilot_assigns_at_once_and_schedules_the_dispatch() -> None:
    autopilot = Autopilot(seed=7)
    started = autopilot.start(pending(), T0)
    assert started.status is ShipmentStatus.ASSIGNED
    assert started.warehouse_id in WAREHOUSES
    assert started.next_step_at is not None
    assert (
        T0 + timedelta(milliseconds=100) <= started.next_step_at <= T0 + timedelta(milliseconds=300)
    )


def test_the_autopilot_drives_a_shipment_to_delivered_and_stops() -> None:
    autopilot = Autopilot(delivery_delay=timedelta(seconds=10))
    shipment = autopilot.start(pending(), T0)
    assert shipment.next_step_at is not None
    shipped = autopilot.advance(shipment, shipment.next_step_at)
    assert shipped.status is ShipmentStatus.SHIPPED
    assert shipped.carrier in CARRIERS
    assert shipped.tracking_number is not None
    assert shipped.tracking_number.startswith("TRK")
    assert shipped.next_step_at is not None
    assert (
        timedelta(seconds=5)
        <= shipped.next_step_at - shipment.next_step_at
        <= timedelta(seconds=15)
    )
    delivered = autopilot.advance(shipped, shipped.next_step_at)
    assert delivered.status is ShipmentStatus.DELIVERED
    assert delivered.next_step_at is None
    assert autopilot.advance(delivered, T0) == delivered  # a stray schedule just ends


def test_every_choice_is_a_function_of_seed_and_order() -> None:
    order_id = uuid4()
    first, again, other = Autopilot(seed=1), Autopilot(seed=1), Autopilot(seed=2)
    one = first.advance(first.start(pending(order_id), T0), T0)
    two = again.advance(again.start(pending(order_id), T0), T0)
    assert (one.warehouse_id, one.carrier, one.tracking_number, one.next_step_at) == (
        two.warehouse_id,
        two.carrier,
        two.tracking_number,
        two.next_step_at,
    )
    orders = [uuid4() for _ in range(40)]
    assert [first.tracking_number_for(o) for o in orders] != [
        other.tracking_number_for(o) for o in orders
    ]


def test_delays_are_jittered_around_their_setting() -> None:
    autopilot = Autopilot(dispatch_delay=timedelta(milliseconds=200))
    delays = []
    for _ in range(300):
        started = autopilot.start(pending(), T0)
        assert started.next_step_at is not None
        delays.append((started.next_step_at - T0) / timedelta(milliseconds=1))
    assert 100 <= min(delays) < 120
    assert 280 < max(delays) <= 300
    assert 180 < sum(delays) / len(delays) < 220
    used = {autopilot.warehouse_for(uuid4()) for _ in range(50)}
    assert used == set(WAREHOUSES)


def test_a_disabled_autopilot_leaves_every_step_to_people() -> None:
    autopilot = Autopilot(enabled=False)
    opened = autopilot.start(pending(), T0)
    assert opened.status is ShipmentStatus.PENDING
    assert opened.next_step_at is None
    assert autopilot.schedule(opened.assign("WH-01", T0), T0).next_step_at is None


def test_a_manual_step_is_followed_by_the_autopilot() -> None:
    autopilot = Autopilot()
    dispatched = pending().assign("WH-09", T0).dispatch("Courier", "C-1", T0)
    scheduled = autopilot.schedule(dispatched, T0)
    assert scheduled.next_step_at is not None
    assert scheduled.next_step_at > T0
    assert autopilot.schedule(pending(), T0).next_step_at == T0  # pending: assign now


def test_settings_build_the_autopilot_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "SERVICE_NAME": "fulfillment",
        "HTTP_PORT": "8000",
        "DATABASE_URL": "postgresql://f:pw@127.0.0.1:1/f",
        "AMQP_URL": "amqp://f:pw@127.0.0.1:1/%2Fcritter",
        "FULFILLMENT_DISPATCH_DELAY_MS": "50",
        "FULFILLMENT_DELIVERY_DELAY_MS": "75",
        "FULFILLMENT_SEED": "42",
        "FULFILLMENT_AUTO_PROGRESS": "false",
    }.items():
        monkeypatch.setenv(name, value)
    autopilot = FulfillmentSettings().autopilot()  # type: ignore[call-arg]
    assert autopilot == Autopilot(
        enabled=False,
        seed=42,
        dispatch_delay=timedelta(milliseconds=50),
        delivery_delay=timedelta(milliseconds=75),
    )
