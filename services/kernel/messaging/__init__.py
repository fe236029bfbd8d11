"""Messaging without message loss: transactional outbox, idempotent inbox, dead letters.

Public API (what a service uses)::

    messaging = Messaging("inventory", [Subscription(OrderPlaced, on_order_placed)])
    build_app(settings, ..., messaging=messaging)

    async def on_order_placed(ctx: HandlerContext, message: OrderPlaced) -> None:
        await ctx.conn.execute(...)                     # in the inbox transaction
        await ctx.publish(ReservationConfirmed(...))    # to the outbox, same transaction

    # in a route, inside the caller's transaction:
    async with pool.acquire() as conn, conn.transaction():
        ...
        await runtime.messaging.publish(conn, OrderPlaced(...))

Map: ``handlers`` (HandlerContext, Subscription, PermanentError, errors) ·
``service`` (Messaging) · ``outbox`` (writing, relay) · ``inbox`` (exactly-once
handling) · ``consumer`` (deliveries: ack, retry, dead-letter) ·
``publisher`` (confirms, dead-lettering) · ``topology`` (exchanges, queues) ·
``envelope`` (wire format) · ``schema`` (tables, SQL) · ``metrics`` · ``options`` ·
``testing`` (``RecordingContext``, a HandlerContext for handler unit tests).

Guarantees (architecture.md, "what no message lost requires"): a message is written in
the same transaction as the state change it reports and leaves the outbox only after
the broker confirmed it; it is consumed at least once and has its effect exactly once
(inbox row in the handler's transaction, ack after commit); a message that cannot be
handled ends in ``<service>.dead-letter`` with an ``x-error`` header, never dropped.

Defect switches (``SANDBOX_DEFECTS``, default off; only to prove the harness notices):

* ``transient-broker``: exchanges and queues non-durable (classic queues, names with a
  ``.transient`` suffix so they do not clash with the durable ones), messages
  non-persistent, no publisher confirms: a broker restart loses everything in flight.
* ``no-inbox``: no de-duplication: a redelivered message runs its handler again.
* ``no-outbox``: ``publish()`` sends to the broker at once, before (and regardless of)
  the caller's commit; while the broker is unreachable the call fails and the message
  is lost.
"""

from services.kernel.messaging.handlers import (
    AnySubscription,
    ConsumerUnavailable,
    Handler,
    HandlerContext,
    MessagingError,
    PermanentError,
    PoisonMessage,
    Subscription,
)
from services.kernel.messaging.metrics import MessagingMetrics
from services.kernel.messaging.options import Defects, MessagingOptions
from services.kernel.messaging.service import Messaging
from services.kernel.messaging.topology import Topology

__all__ = [
    "AnySubscription",
    "ConsumerUnavailable",
    "Defects",
    "Handler",
    "HandlerContext",
    "Messaging",
    "MessagingError",
    "MessagingMetrics",
    "MessagingOptions",
    "PermanentError",
    "PoisonMessage",
    "Subscription",
    "Topology",
]
