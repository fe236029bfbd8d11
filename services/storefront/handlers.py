"""Message handlers: each domain event about a customer becomes one stored notification.

They run in the inbox transaction (``services.kernel.messaging``), so a redelivered
message finds its id recorded and stores nothing: each event is pushed exactly once.
Each takes the customer's lock first (see ``store``). Events without a customer
(anonymous carts) are acknowledged and dropped: nobody can have a stream for them.

=====================================================  =============================
ItemAdded, ItemRemoved, ItemQuantityChanged, CartCleared  cart-updated (totals replayed
                                                          from the cart's changes)
OrderStatusChanged                                        order-status-changed
ShipmentDispatched, ShipmentDelivered,                    shipment-status-changed
ShipmentDeliveryFailed
=====================================================  =============================
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

from services.contracts.messages import (
    CartCleared,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    OrderStatusChanged,
    ShipmentDelivered,
    ShipmentDeliveryFailed,
    ShipmentDispatched,
)
from services.kernel.messaging import AnySubscription, HandlerContext, Subscription
from services.storefront.domain import (
    CartChange,
    CartChangeKind,
    Notification,
    ShipmentMessage,
    cart_notice,
    order_notice,
    shipment_notice,
    tally_cart,
)
from services.storefront.store import append_notification, lock_customer, record_cart_change

CartMessage = ItemAdded | ItemRemoved | ItemQuantityChanged | CartCleared
Observer = Callable[[Notification], None]


def cart_change(message: CartMessage) -> CartChange:
    """The change a cart message reports, in the form ``tally_cart`` replays."""
    if isinstance(message, ItemAdded):
        return CartChange(
            CartChangeKind.ADDED,
            message.added_at,
            message.sku,
            message.quantity,
            Decimal(message.unit_price),
        )
    if isinstance(message, ItemRemoved):
        return CartChange(CartChangeKind.REMOVED, message.removed_at, message.sku)
    if isinstance(message, ItemQuantityChanged):
        return CartChange(
            CartChangeKind.QUANTITY, message.changed_at, message.sku, message.new_quantity
        )
    return CartChange(CartChangeKind.CLEARED, message.cleared_at)


class StorefrontHandlers:
    """The Storefront's subscriptions; ``observe`` sees every stored notification (tests,
    metrics)."""

    def __init__(self, observe: Observer | None = None) -> None:
        self._observe = observe

    def subscriptions(self) -> list[AnySubscription]:
        return [
            Subscription(ItemAdded, self.on_cart_message),
            Subscription(ItemRemoved, self.on_cart_message),
            Subscription(ItemQuantityChanged, self.on_cart_message),
            Subscription(CartCleared, self.on_cart_message),
            Subscription(OrderStatusChanged, self.on_order_status_changed),
            Subscription(ShipmentDispatched, self.on_shipment_message),
            Subscription(ShipmentDelivered, self.on_shipment_message),
            Subscription(ShipmentDeliveryFailed, self.on_shipment_message),
        ]

    async def on_cart_message(self, ctx: HandlerContext, message: CartMessage) -> None:
        customer_id = _known_customer(message.customer_id)
        if customer_id is None:
            return
        change = cart_change(message)
        await lock_customer(ctx.conn, customer_id)
        changes = await record_cart_change(ctx.conn, message.cart_id, change)
        notice = cart_notice(message.cart_id, customer_id, tally_cart(changes), change.occurred_at)
        self._stored(await append_notification(ctx.conn, notice))

    async def on_order_status_changed(
        self, ctx: HandlerContext, message: OrderStatusChanged
    ) -> None:
        notice = order_notice(message)
        self._stored(await append_notification(ctx.conn, notice, lock=True))

    async def on_shipment_message(self, ctx: HandlerContext, message: ShipmentMessage) -> None:
        notice = shipment_notice(message)
        self._stored(await append_notification(ctx.conn, notice, lock=True))

    def _stored(self, notification: Notification) -> None:
        if self._observe is not None:
            self._observe(notification)


_ANONYMOUS = UUID(int=0)


def _known_customer(customer_id: UUID | None) -> UUID | None:
    """The cart's customer; None for an anonymous cart (no id, or the original's all-zero id)."""
    if customer_id is None or customer_id == _ANONYMOUS:
        return None
    return customer_id
