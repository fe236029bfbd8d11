"""What a service writes to handle a message: the handler, its context, its subscription.

A handler is an ``async def handle(ctx, message) -> None``. It runs inside the
one PostgreSQL transaction that also records the message id in the inbox, so
its writes, its outgoing messages (``ctx.publish``) and the de-duplication
record commit together or not at all. It should take row locks
(``SELECT ... FOR UPDATE``) where two messages about the same aggregate may run
concurrently: deliveries are handled in parallel, not serialised per order.

Outcomes:

* returns -> commit, then the delivery is acknowledged;
* raises ``PermanentError`` -> rollback, the message goes to the service's
  dead-letter queue at once with the error text (use it for "this can never succeed");
* raises anything else -> rollback, the message is redelivered, and after
  ``delivery_limit`` failed deliveries it is dead-lettered with the last error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

import asyncpg

from services.contracts.messages import Message
from services.kernel.errors import DependencyUnavailable, KernelError

M = TypeVar("M", bound=Message)


class HandlerContext(Protocol):
    """Given to every handler for one delivery."""

    @property
    def conn(self) -> asyncpg.Connection:
        """The connection, inside the transaction that also records the inbox row."""

    @property
    def message_id(self) -> UUID:
        """The delivered message's id (stable across redeliveries)."""

    async def publish(self, message: Message) -> None:
        """Write ``message`` to the outbox in the same transaction; sent after commit."""


Handler = Callable[[HandlerContext, M], Awaitable[None]]
"""``async def handle(ctx: HandlerContext, message: OrderPlaced) -> None``."""


@dataclass(frozen=True)
class Subscription(Generic[M]):
    """Consume ``message_type`` (bound by its routing key) and pass each one to ``handler``."""

    message_type: type[M]
    handler: Handler[M]


AnySubscription = Subscription[Any]


class PermanentError(Exception):
    """Raised by a handler: the message can never be handled; dead-letter it now.

    The exception text is kept in the dead-lettered message's ``x-error`` header.
    """


class MessagingError(KernelError):
    """Base of the errors raised by the messaging layer itself."""


class PoisonMessage(MessagingError):
    """A delivery that cannot be decoded into a subscribed message type (malformed JSON,
    unknown ``type``, a body the model refuses, or no usable ``message_id``)."""


class ConsumerUnavailable(DependencyUnavailable):
    """The service has subscriptions but is not consuming from its inbox queue right now."""

    dependency = "consumer"
