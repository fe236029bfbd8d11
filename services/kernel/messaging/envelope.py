"""The wire form of a message, both ways: outbox row -> AMQP message -> decoded contract.

An ``Envelope`` is what the outbox stores and the relay publishes: the body is
frozen as JSON text when the message is written (``model_dump_json(by_alias=True)``),
so a retry publishes exactly the same bytes under the same ``message_id``.

AMQP properties of every published message: ``message_id`` (UUID), ``type``
(class name), ``content_type`` ``application/json``, ``timestamp`` (when it was
written to the outbox), ``delivery_mode`` 2 (persistent; 1 only under the
``transient-broker`` defect) and the header ``x-source-service``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import aio_pika
from aio_pika.abc import HeadersType
from pydantic import ValidationError

from services.contracts.messages import Message
from services.kernel.logs import describe_error
from services.kernel.messaging.handlers import PoisonMessage

CONTENT_TYPE = "application/json"
SOURCE_HEADER = "x-source-service"
ERROR_HEADER = "x-error"
ORIGINAL_ROUTING_KEY_HEADER = "x-original-routing-key"
ORIGINAL_EXCHANGE_HEADER = "x-original-exchange"
FAILED_SERVICE_HEADER = "x-failed-service"
DELIVERY_COUNT_HEADER = "x-delivery-count"


@dataclass(frozen=True)
class Envelope:
    """One message ready to publish, as stored in an outbox row."""

    message_id: UUID
    routing_key: str
    type: str
    body: str
    source: str
    created_at: datetime

    @classmethod
    def wrap(cls, message: Message, *, source: str) -> Envelope:
        """Freeze ``message`` under a new id (chosen now, kept across every retry)."""
        return cls(
            message_id=uuid4(),
            routing_key=message.routing_key(),
            type=message.type_name(),
            body=message.model_dump_json(by_alias=True),
            source=source,
            created_at=datetime.now(UTC),
        )

    def to_amqp(self, *, persistent: bool = True) -> aio_pika.Message:
        return aio_pika.Message(
            self.body.encode(),
            message_id=str(self.message_id),
            type=self.type,
            content_type=CONTENT_TYPE,
            timestamp=self.created_at,
            headers={SOURCE_HEADER: self.source},
            delivery_mode=delivery_mode(persistent=persistent),
        )


@dataclass(frozen=True)
class Decoded:
    """A delivery turned back into its contract."""

    message_id: UUID
    message: Message


def delivery_mode(*, persistent: bool) -> aio_pika.DeliveryMode:
    return aio_pika.DeliveryMode.PERSISTENT if persistent else aio_pika.DeliveryMode.NOT_PERSISTENT


def decode(
    body: bytes,
    *,
    message_id: str | None,
    type_name: str | None,
    known: Mapping[str, type[Message]],
) -> Decoded:
    """Parse a delivery; raise PoisonMessage when it can never be handled.

    ``known`` maps the AMQP ``type`` to the subscribed contract class. Anything
    not handled here (no or bad ``message_id``, an unsubscribed type, malformed
    JSON, a body the model refuses) is poison: redelivering it cannot help.
    """
    try:
        parsed_id = UUID(message_id or "")
    except ValueError:
        raise PoisonMessage(f"message_id {message_id!r} is not a UUID") from None
    message_type = known.get(type_name or "")
    if message_type is None:
        raise PoisonMessage(f"no subscription for message type {type_name!r}")
    try:
        message = message_type.model_validate_json(body)
    except ValidationError as exc:
        raise PoisonMessage(f"{type_name} body refused: {_summarise(exc)}") from exc
    return Decoded(parsed_id, message)


def delivery_count(headers: HeadersType) -> int:
    """Earlier (failed) deliveries of this message, from a quorum queue's
    ``x-delivery-count`` header; a first delivery carries none, which reads as 0."""
    value: Any = headers.get(DELIVERY_COUNT_HEADER)
    try:
        return max(0, int(value)) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def error_text(exc: BaseException, limit: int) -> str:
    """``Type: message`` of a handler failure, cut to ``limit`` characters."""
    return describe_error(exc, limit=limit)


def _summarise(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid"
    location = ".".join(str(part) for part in errors[0]["loc"]) or "body"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{location}: {errors[0]['msg']}{more}"
