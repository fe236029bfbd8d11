"""A ``HandlerContext`` for unit tests of handlers, without a broker or an outbox.

Example::

    ctx = RecordingContext(conn=fake_or_real_connection)
    await handlers.on_order_placed(ctx, order_placed)
    assert [type(m) for m in ctx.published] == [ReservationConfirmed]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from services.contracts.messages import Message


@dataclass
class RecordingContext:
    """Satisfies ``HandlerContext``; ``publish`` appends to ``published`` instead of the outbox."""

    conn: Any = None
    message_id: UUID = field(default_factory=uuid4)
    published: list[Message] = field(default_factory=list)

    async def publish(self, message: Message) -> None:
        self.published.append(message)
