"""The order saga as a pure function: every transition, message order, duplicate, late
message and compensation."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.contracts.messages import (
    Address,
    FulfillmentRequested,
    Message,
    OrderPlaced,
    OrderStatusChanged,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentCaptureRequested,
    PaymentFailed,
    PaymentVoided,
    PaymentVoidRequested,
    ReservationCommitRequested,
    ReservationCommitted,
    ReservationConfirmed,
    ReservationFailed,
    ReservationReleased,
    ReservationReleaseRequested,
    ReservedLine,
    ShipmentDelivered,
    ShipmentDeliveryFailed,
    ShipmentDispatched,
)
from services.orders import saga
from services.orders.order import Order, OrderLine, OrderStatus
from services.orders.saga import DeadlinePassed, SagaInput

Make = Callable[[], SagaInput]

T0 = datetime(2026, 2, 17, 12, 0, tzinfo=UTC)
ORDER_ID = UUID("019c5dd6-0000-7000-8000-000000000001")
CUSTOMER_ID = UUID("11111111-1111-1111-1111-111111111111")
PAYMENT_ID = UUID("019c5dd6-0000-7000-8000-0000000000aa")
ADDRESS = Address(
    address_line1="123 Main Street",
    address_line2="Apt 4B",
    city="Seattle",
    state_or_province="WA",
    postal_code="98101",
    country="US",
)


def placed_order() -> Order:
    return Order(
        id=ORDER_ID,
        checkout_id=uuid4(),
        customer_id=CUSTOMER_ID,
        lines=(
            OrderLine("DOG-BOWL-001", 2, Decimal("19.99")),
            OrderLine("CAT-TOY-LASER", 1, Decimal("21.99")),
        ),
        shipping_address=ADDRESS,
        shipping_method="Standard",
        shipping_cost=Decimal("5.99"),
        payment_token="tok_visa_4242",
        placed_at=T0,
        updated_at=T0,
    )


TOTAL = Decimal("67.96")  # 2 x 19.99 + 21.99 + 5.99

# -- the messages, as the other services send them -------------------------------------------


def reserved() -> ReservationConfirmed:
    line = ReservedLine(
        reservation_id=uuid4(), sku="DOG-BOWL-001", warehouse_id="WH-01", quantity=2
    )
    return ReservationConfirmed(order_id=ORDER_ID, reservations=[line], reserved_at=T0)


def reservation_failed() -> ReservationFailed:
    return ReservationFailed(
        order_id=ORDER_ID,
        sku="DOG-BOWL-001",
        requested_quantity=2,
        available_quantity=0,
        reason="insufficient stock",
        failed_at=T0,
    )


def authorized(payment_id: UUID = PAYMENT_ID) -> PaymentAuthorized:
    return PaymentAuthorized(
        payment_id=payment_id,
        order_id=ORDER_ID,
        amount=TOTAL,
        authorization_id="auth-1",
        authorized_at=T0,
        expires_at=T0 + timedelta(days=7),
    )


def payment_failed() -> PaymentFailed:
    return PaymentFailed(
        payment_id=PAYMENT_ID,
        order_id=ORDER_ID,
        failure_reason="card_declined",
        is_retriable=False,
        failed_at=T0,
    )


def committed() -> ReservationCommitted:
    return ReservationCommitted(order_id=ORDER_ID, committed_at=T0)


def captured() -> PaymentCaptured:
    return PaymentCaptured(
        payment_id=PAYMENT_ID, order_id=ORDER_ID, amount=TOTAL, transaction_id="tx", captured_at=T0
    )


def released() -> ReservationReleased:
    return ReservationReleased(order_id=ORDER_ID, reason="payment declined", released_at=T0)


def voided() -> PaymentVoided:
    return PaymentVoided(
        payment_id=PAYMENT_ID, order_id=ORDER_ID, amount=TOTAL, refunded=False, voided_at=T0
    )


def dispatched() -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=ORDER_ID,
        customer_id=CUSTOMER_ID,
        shipment_id=uuid4(),
        carrier="UPS",
        tracking_number="1Z",
        dispatched_at=T0,
    )


def delivered() -> ShipmentDelivered:
    return ShipmentDelivered(
        order_id=ORDER_ID, customer_id=CUSTOMER_ID, shipment_id=uuid4(), delivered_at=T0
    )


def delivery_failed() -> ShipmentDeliveryFailed:
    return ShipmentDeliveryFailed(
        order_id=ORDER_ID, customer_id=CUSTOMER_ID, shipment_id=uuid4(), reason="no one home",
        failed_at=T0,
    )  # fmt: skip


def deadline() -> DeadlinePassed:
    return DeadlinePassed(ORDER_ID)


# -- running the saga --------------------------------------------------------------------------


@dataclass
class Run:
    order: Order
    sent: list[Message]

    def of(self, kind: type[Message]) -> list[Message]:
        return [message for message in self.sent if isinstance(message, kind)]

    def statuses(self) -> list[str]:
        return [m.new_status for m in self.sent if isinstance(m, OrderStatusChanged)]


def run(inputs: Iterable[SagaInput], order: Order | None = None) -> Run:
    """Fold ``inputs`` through the saga, one second apart, collecting what it sent."""
    current = order or placed_order()
    sent: list[Message] = []
    for n, message in enumerate(inputs, start=1):
        transition = saga.react(current, message, T0 + timedelta(seconds=n))
        if transition.order == current:
            assert transition.history == ()
        current = transition.order
        sent.extend(transition.outbox)
    return Run(current, sent)


HAPPY_PATH = (reserved, authorized, committed, captured, dispatched, delivered)


# -- placing -----------------------------------------------------------------------------------


def test_start_announces_the_order_with_its_totals() -> None:
    transition = saga.start(placed_order())
    placed, status = transition.outbox
    assert isinstance(placed, OrderPlaced)
    assert placed.total_amount == TOTAL
    assert [line.line_total for line in placed.line_items] == [Decimal("39.98"), Decimal("21.99")]
    assert placed.payment_method_token == "tok_visa_4242"
    assert placed.shipping_address == ADDRESS
    assert isinstance(status, OrderStatusChanged)
    assert (status.new_status, status.customer_id) == ("Placed", CUSTOMER_ID)
    assert [entry.status for entry in transition.history] == [OrderStatus.PLACED]


# -- the happy path, in both orders --------------------------------------------------------------


def test_reservation_then_authorisation_requests_commit_and_capture_once() -> None:
    result = run([reserved(), authorized()])
    assert result.order.status is OrderStatus.PAYMENT_AUTHORIZED
    assert result.statuses() == ["InventoryReserved", "PaymentAuthorized"]
    assert len(result.of(ReservationCommitRequested)) == 1
    (capture,) = result.of(PaymentCaptureRequested)
    assert isinstance(capture, PaymentCaptureRequested)
    assert (capture.payment_id, capture.amount) == (PAYMENT_ID, TOTAL)
    assert result.order.is_commit_requested


def test_authorisation_then_reservation_requests_commit_and_capture_once() -> None:
    result = run([authorized(), reserved()])
    assert result.order.status is OrderStatus.INVENTORY_RESERVED
    assert result.statuses() == ["PaymentAuthorized", "InventoryReserved"]
    assert len(result.of(ReservationCommitRequested)) == 1
    assert len(result.of(PaymentCaptureRequested)) == 1


def test_one_of_the_two_is_not_enough_to_settle() -> None:
    for first in (reserved, authorized):
        result = run([first()])
        assert result.of(ReservationCommitRequested) == []
        assert result.of(PaymentCaptureRequested) == []


@pytest.mark.parametrize("settle", [(committed, captured), (captured, committed)])
def test_commit_and_capture_in_either_order_confirm_and_request_fulfilment(
    settle: tuple[Make, Make],
) -> None:
    first, second = settle
    halfway = run([reserved(), authorized(), first()])
    assert halfway.order.status is OrderStatus.PAYMENT_AUTHORIZED
    assert halfway.of(FulfillmentRequested) == []

    result = run([second()], order=halfway.order)
    assert result.order.status is OrderStatus.CONFIRMED
    assert result.order.confirmed_at == T0 + timedelta(seconds=1)
    assert result.statuses() == ["Confirmed"]
    (request,) = result.of(FulfillmentRequested)
    assert isinstance(request, FulfillmentRequested)
    assert [(line.sku, line.quantity) for line in request.line_items] == [
        ("DOG-BOWL-001", 2),
        ("CAT-TOY-LASER", 1),
    ]
    assert request.shipping_address == ADDRESS
    assert request.customer_id == CUSTOMER_ID


def test_the_happy_path_reaches_delivered_announcing_every_status_once() -> None:
    result = run(make() for make in HAPPY_PATH)
    assert result.order.status is OrderStatus.DELIVERED
    assert result.statuses() == [
        "InventoryReserved",
        "PaymentAuthorized",
        "Confirmed",
        "Shipped",
        "Delivered",
    ]
    assert result.order.shipped_at is not None
    assert result.order.delivered_at is not None
    assert result.order.cancel_reason is None


@pytest.mark.parametrize(
    "holds", list(itertools.permutations([reserved, authorized, reserved, authorized]))
)
@pytest.mark.parametrize("settles", list(itertools.permutations([committed, captured, captured])))
def test_every_arrival_order_with_duplicates_sends_each_command_once(
    holds: tuple[Make, ...], settles: tuple[Make, ...]
) -> None:
    result = run(make() for make in (*holds, *settles))
    assert result.order.status is OrderStatus.CONFIRMED
    assert len(result.of(ReservationCommitRequested)) == 1
    assert len(result.of(PaymentCaptureRequested)) == 1
    assert len(result.of(FulfillmentRequested)) == 1
    assert result.statuses().count("Confirmed") == 1
    assert result.of(ReservationReleaseRequested) == result.of(PaymentVoidRequested) == []


# -- duplicates and late messages -------------------------------------------------------------


@pytest.mark.parametrize("step", range(len(HAPPY_PATH)))
def test_a_redelivered_message_changes_nothing(step: int) -> None:
    before = run(make() for make in HAPPY_PATH[: step + 1]).order
    again = saga.react(before, HAPPY_PATH[step](), T0 + timedelta(hours=1))
    assert again.order == before
    assert again.outbox == ()
    assert again.history == ()


@pytest.mark.parametrize(
    "late", [reserved, authorized, committed, captured, dispatched, reservation_failed,
             payment_failed, deadline],
)  # fmt: skip
def test_a_late_message_never_moves_a_delivered_order_back(late: Make) -> None:
    delivered_order = run(make() for make in HAPPY_PATH).order
    after = saga.react(delivered_order, late(), T0 + timedelta(hours=1))
    assert after.order == delivered_order
    assert after.outbox == ()


def test_delivery_reported_before_dispatch_skips_shipped_for_good() -> None:
    result = run(make() for make in (reserved, authorized, committed, captured, delivered))
    assert result.order.status is OrderStatus.DELIVERED
    late = run([dispatched()], order=result.order)
    assert late.order == result.order
    assert late.sent == []


@pytest.mark.parametrize("late", [reserved, authorized, reservation_failed, payment_failed])
def test_late_holds_and_failures_leave_a_shipped_order_alone(late: Make) -> None:
    shipped = run(make() for make in HAPPY_PATH[:5]).order
    assert shipped.status is OrderStatus.SHIPPED
    assert saga.react(shipped, late(), T0).order == shipped


def test_shipment_news_before_fulfilment_was_requested_is_ignored() -> None:
    holding = run([reserved(), authorized()]).order
    for message in (dispatched(), delivered()):
        assert saga.react(holding, message, T0).order == holding


def test_compensation_results_only_set_their_flags() -> None:
    result = run([released(), voided(), delivery_failed()])
    assert result.order.is_inventory_released
    assert result.order.is_payment_voided
    assert result.order.status is OrderStatus.PLACED
    assert result.sent == []


def test_a_second_authorisation_for_the_same_order_is_voided() -> None:
    other_payment = uuid4()
    result = run([authorized(), authorized(other_payment)])
    (void,) = result.of(PaymentVoidRequested)
    assert isinstance(void, PaymentVoidRequested)
    assert void.payment_id == other_payment
    assert result.order.payment_id == PAYMENT_ID
    assert not result.order.is_void_requested


# -- compensation -------------------------------------------------------------------------------


def test_out_of_stock_before_authorisation_cancels_then_voids_the_late_authorisation() -> None:
    cancelled = run([reservation_failed()])
    assert cancelled.order.status is OrderStatus.CANCELLED
    assert cancelled.order.cancel_reason == "out of stock"
    assert cancelled.statuses() == ["Cancelled"]
    (change,) = cancelled.of(OrderStatusChanged)
    assert isinstance(change, OrderStatusChanged)
    assert change.reason == "out of stock"
    assert cancelled.of(PaymentVoidRequested) == []

    late = run([authorized(), authorized()], order=cancelled.order)
    (void,) = late.of(PaymentVoidRequested)
    assert isinstance(void, PaymentVoidRequested)
    assert (void.payment_id, void.reason) == (PAYMENT_ID, "out of stock")
    assert late.order.status is OrderStatus.CANCELLED
    assert late.statuses() == []
    assert late.of(PaymentCaptureRequested) == []


def test_out_of_stock_after_authorisation_voids_at_once() -> None:
    result = run([authorized(), reservation_failed()])
    assert result.order.status is OrderStatus.CANCELLED
    assert len(result.of(PaymentVoidRequested)) == 1
    assert result.of(ReservationReleaseRequested) == []


def test_declined_payment_after_reservation_cancels_and_releases() -> None:
    result = run([reserved(), payment_failed()])
    assert result.order.status is OrderStatus.CANCELLED
    assert result.order.cancel_reason == "payment declined"
    (release,) = result.of(ReservationReleaseRequested)
    assert isinstance(release, ReservationReleaseRequested)
    assert release.reason == "payment declined"
    assert result.of(PaymentVoidRequested) == []


def test_declined_payment_first_then_reservation_releases_the_stock() -> None:
    """The original's stock leak: a reservation confirmed after the decline was kept."""
    cancelled = run([payment_failed()])
    assert cancelled.order.status is OrderStatus.CANCELLED
    assert cancelled.of(ReservationReleaseRequested) == []  # nothing reserved yet

    late = run([reserved(), reserved()], order=cancelled.order)
    assert len(late.of(ReservationReleaseRequested)) == 1
    assert late.order.status is OrderStatus.CANCELLED  # not reset to InventoryReserved
    assert late.statuses() == []


def test_a_second_failure_does_not_cancel_twice() -> None:
    result = run([payment_failed(), reservation_failed(), deadline()])
    assert result.order.cancel_reason == "payment declined"
    assert result.statuses() == ["Cancelled"]


def test_a_failure_contradicting_a_success_is_ignored() -> None:
    assert run([reserved(), reservation_failed()]).order.status is OrderStatus.INVENTORY_RESERVED
    assert run([authorized(), payment_failed()]).order.status is OrderStatus.PAYMENT_AUTHORIZED


@pytest.mark.parametrize(
    ("failure", "success", "reason"),
    [
        (reservation_failed, authorized, "out of stock"),
        (payment_failed, reserved, "payment declined"),
    ],
)
@pytest.mark.parametrize("success_first", [True, False])
@pytest.mark.parametrize("with_duplicates", [True, False])
def test_every_compensation_order_undoes_each_hold_exactly_once(
    failure: Make, success: Make, reason: str, success_first: bool, with_duplicates: bool
) -> None:
    sequence = [success(), failure()] if success_first else [failure(), success()]
    if with_duplicates:
        sequence = [message for message in sequence for _ in range(2)]
    result = run(sequence)
    assert result.order.status is OrderStatus.CANCELLED
    assert result.order.cancel_reason == reason
    assert result.statuses().count("Cancelled") == 1
    undo: type[Message] = (
        PaymentVoidRequested if success is authorized else ReservationReleaseRequested
    )
    assert len(result.of(undo)) == 1
    assert result.of(ReservationCommitRequested) == result.of(PaymentCaptureRequested) == []


# -- the saga deadline --------------------------------------------------------------------------


def test_deadline_cancels_a_placed_order_with_nothing_to_undo() -> None:
    result = run([deadline()])
    assert result.order.status is OrderStatus.CANCELLED
    assert result.order.cancel_reason == "timeout"
    assert result.order.cancelled_at == T0 + timedelta(seconds=1)
    assert result.of(ReservationReleaseRequested) == result.of(PaymentVoidRequested) == []


@pytest.mark.parametrize(
    ("hold", "undo"),
    [(reserved, ReservationReleaseRequested), (authorized, PaymentVoidRequested)],
)
def test_deadline_undoes_what_is_held_and_what_arrives_later(
    hold: Make, undo: type[Message]
) -> None:
    result = run([hold(), deadline()])
    assert result.order.status is OrderStatus.CANCELLED
    assert len(result.of(undo)) == 1
    late_other = authorized if hold is reserved else reserved
    late = run([late_other()], order=result.order)
    assert len(late.of(ReservationReleaseRequested) + late.of(PaymentVoidRequested)) == 1
    assert late.order.status is OrderStatus.CANCELLED


def test_deadline_spares_orders_past_the_point_of_no_return() -> None:
    for prefix in (HAPPY_PATH[:2], HAPPY_PATH[:3], HAPPY_PATH[:4], HAPPY_PATH):
        order = run(make() for make in prefix).order
        assert not order.awaits_deadline
        assert saga.react(order, deadline(), T0).order == order


def test_a_cancelled_order_is_never_confirmed() -> None:
    result = run([reservation_failed(), committed(), captured()])
    assert result.order.status is OrderStatus.CANCELLED
    assert result.of(FulfillmentRequested) == []
    assert result.statuses() == ["Cancelled"]


def test_updated_at_moves_only_when_the_order_changes() -> None:
    order = placed_order()
    assert saga.react(order, dispatched(), T0 + timedelta(hours=1)).order.updated_at == T0
    changed = saga.react(order, reserved(), T0 + timedelta(hours=1)).order
    assert changed.updated_at == T0 + timedelta(hours=1)
