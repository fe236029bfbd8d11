"""The order saga as a pure function: (order, incoming message) -> (order, messages to publish).

No I/O: the handlers lock the order row, call ``react`` and persist the result
in the same transaction as the inbox record, so a redelivered message meets
the already-updated order and changes nothing.

Happy path::

    Placed --ReservationConfirmed--> InventoryReserved  \\ either order; when both have
           --PaymentAuthorized----> PaymentAuthorized   / arrived: commit + capture requested
    --ReservationCommitted + PaymentCaptured (either order)--> Confirmed + FulfillmentRequested
    --ShipmentDispatched--> Shipped --ShipmentDelivered--> Delivered

Compensation (fixing the original's stock leak and missing refund):

* ReservationFailed -> Cancelled("out of stock"); void the payment once it is authorised,
  even if the authorisation arrives after the cancel.
* PaymentFailed -> Cancelled("payment declined"); release the stock once it is
  reserved, even if the reservation confirms after the cancel.
* Saga deadline (``DeadlinePassed``) -> Cancelled("timeout"); release and void likewise.

Guards: a duplicate changes nothing; a status never gives way to one of lower rank
(``OrderStatus.rank``); Delivered and Cancelled are final. Every status entered is
announced once with ``OrderStatusChanged``; each command is sent at most once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.contracts.messages import (
    Message,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentFailed,
    PaymentVoided,
    ReservationCommitted,
    ReservationConfirmed,
    ReservationFailed,
    ReservationReleased,
    ShipmentDelivered,
    ShipmentDeliveryFailed,
    ShipmentDispatched,
)
from services.orders import outgoing
from services.orders.order import AWAITING_STATUSES, CancelReason, HistoryEntry, Order, OrderStatus


@dataclass(frozen=True)
class DeadlinePassed:
    """Internal input: the order's saga deadline has expired (see ``services.orders.timeouts``)."""

    order_id: UUID


SagaMessage = (
    ReservationConfirmed
    | ReservationFailed
    | ReservationCommitted
    | ReservationReleased
    | PaymentAuthorized
    | PaymentFailed
    | PaymentCaptured
    | PaymentVoided
    | ShipmentDispatched
    | ShipmentDelivered
    | ShipmentDeliveryFailed
)
"""The integration messages the saga reacts to."""

SagaInput = SagaMessage | DeadlinePassed

SAGA_MESSAGE_TYPES: tuple[type[Message], ...] = (
    ReservationConfirmed, ReservationFailed, ReservationCommitted, ReservationReleased,
    PaymentAuthorized, PaymentFailed, PaymentCaptured, PaymentVoided,
    ShipmentDispatched, ShipmentDelivered, ShipmentDeliveryFailed,
)  # fmt: skip
"""The members of ``SagaMessage`` (each gets a subscription)."""


@dataclass(frozen=True)
class Transition:
    """The outcome of one step: the new order, what to publish, what to add to its history."""

    order: Order
    outbox: tuple[Message, ...] = ()
    history: tuple[HistoryEntry, ...] = ()


def start(order: Order) -> Transition:
    """A freshly placed order: announce it (Inventory and Payments act on OrderPlaced)."""
    step = _Step(order, order.placed_at)
    step.send(outgoing.order_placed(order))
    step.announce(OrderStatus.PLACED)
    return step.result()


def react(order: Order, message: SagaInput, now: datetime) -> Transition:
    """The order after ``message``, with the messages it causes; see the module docstring."""
    step = _Step(order, now)
    match message:
        case ReservationConfirmed():
            _on_reserved(step)
        case PaymentAuthorized():
            _on_authorized(step, message)
        case ReservationFailed():
            if not order.is_inventory_reserved and order.status in AWAITING_STATUSES:
                _cancel(step, CancelReason.OUT_OF_STOCK)
        case PaymentFailed():
            if not order.is_payment_authorized and order.status in AWAITING_STATUSES:
                _cancel(step, CancelReason.PAYMENT_DECLINED)
        case DeadlinePassed():
            if order.awaits_deadline:
                _cancel(step, CancelReason.TIMEOUT)
        case ReservationCommitted():
            if not order.is_inventory_committed:
                step.update(is_inventory_committed=True)
                _confirm_when_settled(step)
        case PaymentCaptured():
            if not order.is_payment_captured:
                step.update(is_payment_captured=True)
                _void_if_cancelled(step)  # defensive: captured money of a cancelled order
                _confirm_when_settled(step)
        case ReservationReleased():
            if not order.is_inventory_released:
                step.update(is_inventory_released=True)
        case PaymentVoided():
            if not order.is_payment_voided:
                step.update(is_payment_voided=True)
        case ShipmentDispatched():
            if order.is_fulfillment_requested:
                step.enter(OrderStatus.SHIPPED, shipped_at=now)
        case ShipmentDelivered():
            if order.is_fulfillment_requested:
                step.enter(OrderStatus.DELIVERED, delivered_at=now)
        case ShipmentDeliveryFailed():
            pass  # Fulfilment owns redelivery; the order stays Shipped meanwhile
    return step.result()


def _on_reserved(step: _Step) -> None:
    if step.order.is_inventory_reserved:
        return
    step.update(is_inventory_reserved=True)
    if step.order.status is OrderStatus.CANCELLED:
        _release_if_cancelled(step)
        return
    step.enter(OrderStatus.INVENTORY_RESERVED)
    _settle_when_both_held(step)


def _on_authorized(step: _Step, message: PaymentAuthorized) -> None:
    order = step.order
    if order.is_payment_authorized:
        if order.payment_id != message.payment_id:
            # A second authorisation for one order must not keep the customer's money.
            duplicate = outgoing.void_requested(
                order, message.payment_id, "duplicate authorization", step.now
            )
            step.send(duplicate)
        return
    step.update(is_payment_authorized=True, payment_id=message.payment_id)
    if step.order.status is OrderStatus.CANCELLED:
        _void_if_cancelled(step)
        return
    step.enter(OrderStatus.PAYMENT_AUTHORIZED)
    _settle_when_both_held(step)


def _settle_when_both_held(step: _Step) -> None:
    order = step.order
    if not (order.is_inventory_reserved and order.is_payment_authorized):
        return
    if order.is_commit_requested or order.payment_id is None:
        return
    step.update(is_commit_requested=True)
    step.send(outgoing.commit_requested(order, step.now))
    step.send(outgoing.capture_requested(order, order.payment_id, step.now))


def _confirm_when_settled(step: _Step) -> None:
    order = step.order
    if not (order.is_inventory_committed and order.is_payment_captured):
        return
    if step.enter(OrderStatus.CONFIRMED, confirmed_at=step.now) and not (
        order.is_fulfillment_requested
    ):
        step.update(is_fulfillment_requested=True)
        step.send(outgoing.fulfillment_requested(step.order, step.now))


def _cancel(step: _Step, reason: CancelReason) -> None:
    step.enter(OrderStatus.CANCELLED, reason=reason.value, cancelled_at=step.now)
    step.update(cancel_reason=reason.value)
    _release_if_cancelled(step)
    _void_if_cancelled(step)


def _release_if_cancelled(step: _Step) -> None:
    order = step.order
    if order.status is not OrderStatus.CANCELLED or order.is_release_requested:
        return
    if order.is_inventory_reserved:
        step.update(is_release_requested=True)
        step.send(outgoing.release_requested(order, step.now))


def _void_if_cancelled(step: _Step) -> None:
    order = step.order
    if order.status is not OrderStatus.CANCELLED or order.is_void_requested:
        return
    if order.is_payment_authorized and order.payment_id is not None:
        step.update(is_void_requested=True)
        reason = order.cancel_reason or "cancelled"
        step.send(outgoing.void_requested(order, order.payment_id, reason, step.now))


class _Step:
    """Accumulates one transition (local, short-lived mutable state inside a pure call)."""

    def __init__(self, order: Order, now: datetime) -> None:
        self.order = order
        self.now = now
        self._original = order
        self._outbox: list[Message] = []
        self._history: list[HistoryEntry] = []

    def update(self, **changes: object) -> None:
        self.order = dataclasses.replace(self.order, **changes)  # type: ignore[arg-type]

    def send(self, message: Message) -> None:
        self._outbox.append(message)

    def enter(self, status: OrderStatus, reason: str | None = None, **stamps: object) -> bool:
        """Move to ``status`` unless that would be a step back or out of a final status;
        True if the order moved."""
        current = self.order.status
        if current is status or current.is_terminal or status.rank < current.rank:
            return False
        self.update(status=status, **stamps)
        self.announce(status, reason)
        return True

    def announce(self, status: OrderStatus, reason: str | None = None) -> None:
        order = self.order
        self._history.append(HistoryEntry(status=status, occurred_at=self.now, reason=reason))
        self.send(outgoing.status_changed(order, status, reason, self.now))

    def result(self) -> Transition:
        if self.order != self._original:
            self.update(updated_at=self.now)
        return Transition(self.order, tuple(self._outbox), tuple(self._history))
