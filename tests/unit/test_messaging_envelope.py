"""The wire format of messages: what the relay sends and what the consumer accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID, uuid4

import aio_pika
import pytest

from services.contracts.messages import Message, PaymentCaptured
from services.kernel.messaging import PoisonMessage
from services.kernel.messaging.envelope import Envelope, decode, delivery_count, error_text


class Ping(Message):
    SOURCE: ClassVar[str] = "unit"
    order_id: UUID
    amount: Decimal


KNOWN: dict[str, type[Message]] = {"Ping": Ping}


def _ping() -> Ping:
    return Ping(order_id=uuid4(), amount=Decimal("19.90"))


def test_wrap_freezes_routing_type_and_camel_case_body() -> None:
    message = _ping()
    envelope = Envelope.wrap(message, source="orders")
    assert envelope.routing_key == "unit.Ping"
    assert envelope.type == "Ping"
    assert envelope.source == "orders"
    assert '"orderId"' in envelope.body
    assert '"amount":"19.90"' in envelope.body
    assert Envelope.wrap(message, source="orders").message_id != envelope.message_id


def test_amqp_properties_of_a_published_message() -> None:
    envelope = Envelope.wrap(_ping(), source="orders")
    sent = envelope.to_amqp()
    assert sent.message_id == str(envelope.message_id)
    assert sent.type == "Ping"
    assert sent.content_type == "application/json"
    assert sent.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert sent.headers == {"x-source-service": "orders"}
    assert sent.body == envelope.body.encode()
    assert envelope.to_amqp(persistent=False).delivery_mode == aio_pika.DeliveryMode.NOT_PERSISTENT


def test_decode_round_trips_a_contract() -> None:
    message = PaymentCaptured(
        payment_id=uuid4(),
        order_id=uuid4(),
        amount=Decimal("5.00"),
        transaction_id="tx-1",
        captured_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    envelope = Envelope.wrap(message, source="payments")
    decoded = decode(
        envelope.body.encode(),
        message_id=str(envelope.message_id),
        type_name=envelope.type,
        known={"PaymentCaptured": PaymentCaptured},
    )
    assert decoded.message_id == envelope.message_id
    assert decoded.message == message


@pytest.mark.parametrize(
    ("body", "message_id", "type_name", "reason"),
    [
        (b'{"orderId": ', str(uuid4()), "Ping", "Ping body refused: body: Invalid JSON"),
        (b'{"orderId": "x", "amount": "1"}', str(uuid4()), "Ping", "Ping body refused: orderId"),
        (b"{}", str(uuid4()), "Ping", r"\(\+1 more\)"),
        (b"{}", str(uuid4()), "Pong", "no subscription for message type 'Pong'"),
        (b"{}", str(uuid4()), None, "no subscription for message type None"),
        (b"{}", None, "Ping", "message_id None is not a UUID"),
        (b"{}", "order-7", "Ping", "message_id 'order-7' is not a UUID"),
        (b"\xff\xfe", str(uuid4()), "Ping", "Ping body refused"),
    ],
)
def test_what_cannot_be_handled_is_poison(
    body: bytes, message_id: str | None, type_name: str | None, reason: str
) -> None:
    with pytest.raises(PoisonMessage, match=reason):
        decode(body, message_id=message_id, type_name=type_name, known=KNOWN)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 0),
        ({"x-delivery-count": 0}, 0),
        ({"x-delivery-count": 3}, 3),
        ({"x-delivery-count": "x"}, 0),
    ],
)
def test_delivery_count_reads_the_quorum_header(headers: dict[str, object], expected: int) -> None:
    assert delivery_count(headers) == expected  # type: ignore[arg-type]


def test_error_text_names_the_type_and_is_bounded() -> None:
    assert error_text(RuntimeError("boom"), 100) == "RuntimeError: boom"
    long = error_text(ValueError("x" * 5000), 1000)
    assert len(long) == 1000
    assert long.startswith("ValueError: xxx")
    assert long.endswith("...")
