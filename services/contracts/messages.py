"""Every integration message of the shop, with its routing key.

Conventions:

* A message travels on the durable topic exchange ``critter.events`` with the routing key
  ``<source>.<Type>`` (e.g. ``orders.OrderPlaced``); a consuming service binds its own
  inbox queue to the keys it handles. The AMQP ``type`` property carries ``<Type>`` and
  ``message_id`` a UUID that stays the same across redeliveries and outbox retries.
* Bodies are JSON in camelCase; money is a string with two decimals; times are ISO 8601 UTC.
* Events (past tense) state what happened; commands (``...Requested``) ask one context to
  act. Every message about an order carries ``orderId``, and one about a customer carries
  ``customerId``, so consumers can route and de-duplicate without a lookup.
* One message per order, never one per SKU: a saga of ~10 messages is the CPU budget.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

EXCHANGE = "critter.events"
DEAD_LETTER_EXCHANGE = "critter.dead-letter"


class Message(BaseModel):
    """Base of every contract; ``SOURCE`` names the publishing service."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )
    SOURCE: ClassVar[str] = ""

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.SOURCE}.{cls.__name__}"


class Address(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)
    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str


class OrderLine(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class CartLine(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)
    sku: str
    quantity: int
    unit_price: Decimal


# -- Shopping -------------------------------------------------------------------------------


class ShoppingMessage(Message):
    SOURCE: ClassVar[str] = "shopping"


class ItemAdded(ShoppingMessage):
    cart_id: UUID
    customer_id: UUID | None
    sku: str
    quantity: int
    unit_price: Decimal
    added_at: datetime


class ItemRemoved(ShoppingMessage):
    cart_id: UUID
    customer_id: UUID | None
    sku: str
    removed_at: datetime


class ItemQuantityChanged(ShoppingMessage):
    cart_id: UUID
    customer_id: UUID | None
    sku: str
    old_quantity: int
    new_quantity: int
    changed_at: datetime


class CartCleared(ShoppingMessage):
    cart_id: UUID
    customer_id: UUID | None
    reason: str
    cleared_at: datetime


class CheckoutInitiated(ShoppingMessage):
    checkout_id: UUID
    cart_id: UUID
    customer_id: UUID | None
    items: list[CartLine]
    initiated_at: datetime


# -- Orders ---------------------------------------------------------------------------------


class OrdersMessage(Message):
    SOURCE: ClassVar[str] = "orders"


class OrderPlaced(OrdersMessage):
    order_id: UUID
    customer_id: UUID
    line_items: list[OrderLine]
    shipping_address: Address
    shipping_method: str
    payment_method_token: str
    total_amount: Decimal
    placed_at: datetime


class OrderStatusChanged(OrdersMessage):
    """Every state an order enters, for the customer's live stream."""

    order_id: UUID
    customer_id: UUID
    new_status: str
    reason: str | None = None
    occurred_at: datetime


class ReservationCommitRequested(OrdersMessage):
    order_id: UUID
    requested_at: datetime


class ReservationReleaseRequested(OrdersMessage):
    order_id: UUID
    reason: str
    requested_at: datetime


class PaymentCaptureRequested(OrdersMessage):
    order_id: UUID
    payment_id: UUID
    amount: Decimal
    requested_at: datetime


class PaymentVoidRequested(OrdersMessage):
    """Void an authorised payment, or refund it if already captured."""

    order_id: UUID
    payment_id: UUID
    reason: str
    requested_at: datetime


class FulfillmentRequested(OrdersMessage):
    order_id: UUID
    customer_id: UUID
    shipping_address: Address
    line_items: list[CartLine]
    shipping_method: str
    requested_at: datetime


# -- Inventory ------------------------------------------------------------------------------


class InventoryMessage(Message):
    SOURCE: ClassVar[str] = "inventory"


class ReservedLine(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)
    reservation_id: UUID
    sku: str
    warehouse_id: str
    quantity: int


class ReservationConfirmed(InventoryMessage):
    """All lines of the order are reserved (reservation is all-or-nothing per order)."""

    order_id: UUID
    reservations: list[ReservedLine]
    reserved_at: datetime


class ReservationFailed(InventoryMessage):
    order_id: UUID
    sku: str
    requested_quantity: int
    available_quantity: int
    reason: str
    failed_at: datetime


class ReservationCommitted(InventoryMessage):
    order_id: UUID
    committed_at: datetime


class ReservationReleased(InventoryMessage):
    order_id: UUID
    reason: str
    released_at: datetime


# -- Payments -------------------------------------------------------------------------------


class PaymentsMessage(Message):
    SOURCE: ClassVar[str] = "payments"


class PaymentAuthorized(PaymentsMessage):
    payment_id: UUID
    order_id: UUID
    amount: Decimal
    authorization_id: str
    authorized_at: datetime
    expires_at: datetime


class PaymentFailed(PaymentsMessage):
    payment_id: UUID
    order_id: UUID
    failure_reason: str
    is_retriable: bool
    failed_at: datetime


class PaymentCaptured(PaymentsMessage):
    payment_id: UUID
    order_id: UUID
    amount: Decimal
    transaction_id: str
    captured_at: datetime


class PaymentVoided(PaymentsMessage):
    """The authorisation was voided, or the captured amount refunded (``refunded``)."""

    payment_id: UUID
    order_id: UUID
    amount: Decimal
    refunded: bool
    voided_at: datetime


# -- Fulfillment ----------------------------------------------------------------------------


class FulfillmentMessage(Message):
    SOURCE: ClassVar[str] = "fulfillment"


class ShipmentDispatched(FulfillmentMessage):
    order_id: UUID
    customer_id: UUID
    shipment_id: UUID
    carrier: str
    tracking_number: str
    dispatched_at: datetime


class ShipmentDelivered(FulfillmentMessage):
    order_id: UUID
    customer_id: UUID
    shipment_id: UUID
    delivered_at: datetime
    recipient_name: str | None = None


class ShipmentDeliveryFailed(FulfillmentMessage):
    order_id: UUID
    customer_id: UUID
    shipment_id: UUID
    reason: str
    failed_at: datetime


ALL_MESSAGES: tuple[type[Message], ...] = (
    ItemAdded, ItemRemoved, ItemQuantityChanged, CartCleared, CheckoutInitiated,
    OrderPlaced, OrderStatusChanged, ReservationCommitRequested, ReservationReleaseRequested,
    PaymentCaptureRequested, PaymentVoidRequested, FulfillmentRequested,
    ReservationConfirmed, ReservationFailed, ReservationCommitted, ReservationReleased,
    PaymentAuthorized, PaymentFailed, PaymentCaptured, PaymentVoided,
    ShipmentDispatched, ShipmentDelivered, ShipmentDeliveryFailed,
)  # fmt: skip

BY_TYPE: dict[str, type[Message]] = {cls.type_name(): cls for cls in ALL_MESSAGES}
