"""The RabbitMQ connection of one service: background connect, reconnect, readiness.

Life cycle (driven by ``build_app``'s lifespan):

1. ``start()`` spawns a task that opens an aio-pika *robust* connection,
   retrying with capped back-off until the broker answers, then runs the
   set-up steps (declaring topology). Only after they succeed is the connection
   published.
2. From then on aio-pika itself reconnects after a broker restart or a cut
   link (every ``reconnect_interval_s``) and re-declares what robust channels
   declared. ``is_connected()`` follows the connection's ``connected`` event, so
   readiness turns 503 while the link is down and 200 again once restored; each
   restoration calls ``on_reconnect`` (the ``service_reconnects_total`` counter).
   A silently dropped link is noticed by the AMQP heartbeat (``heartbeat_s``).
3. ``close()`` stops connecting and closes the connection.

Message publishing (outbox relay) and consuming (inbox) are built on top of
``connection`` in later modules; this one only owns the link.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractRobustConnection,
    ExchangeType,
)
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from yarl import URL

from services.kernel.errors import BrokerUnavailable
from services.kernel.logs import describe_error
from services.kernel.retry import Backoff, retry_until_done
from services.kernel.settings import ServiceSettings, redact_url

log = logging.getLogger(__name__)

BrokerSetup = Callable[[AbstractRobustConnection], Awaitable[object]]
"""A set-up step run once on a fresh connection before it is published."""


@dataclass(frozen=True)
class BrokerOptions:
    """Timeouts of the broker link."""

    connect_timeout_s: float = 5.0
    heartbeat_s: int = 10
    reconnect_interval_s: float = 1.0

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> BrokerOptions:
        return cls(heartbeat_s=settings.amqp_heartbeat_seconds)


class Broker:
    """Owns the robust AMQP connection of a service; see the module docstring."""

    name = "broker"

    def __init__(
        self,
        url: str,
        *,
        connection_name: str,
        options: BrokerOptions | None = None,
        setup: Sequence[BrokerSetup] = (),
        backoff: Backoff | None = None,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        self._options = options or BrokerOptions()
        parsed = URL(url)
        if "heartbeat" not in parsed.query:
            parsed = parsed.update_query(heartbeat=self._options.heartbeat_s)
        self._url = parsed
        self._connection_name = connection_name
        self._setup = tuple(setup)
        self._backoff = backoff or Backoff()
        self._on_reconnect = on_reconnect
        self._connection: AbstractRobustConnection | None = None
        self._attempt: AbstractRobustConnection | None = None  # the one being opened
        self._link_up = False  # only to log transitions, not every failed reconnect attempt
        self._last_error = "not connected yet"
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin connecting in the background; returns at once."""
        if self._task is None:
            self._task = asyncio.create_task(self._connect(), name="broker-connect")

    def is_connected(self) -> bool:
        """True while the connection is set up and its link is currently open."""
        connection = self._connection
        return connection is not None and not connection.is_closed and connection.connected.is_set()

    @property
    def connection(self) -> AbstractRobustConnection:
        """The robust connection (even while it reconnects); raises until first set up."""
        if self._connection is None:
            raise BrokerUnavailable(self._last_error)
        return self._connection

    async def probe(self) -> None:
        """Readiness check: raise BrokerUnavailable unless the link is open right now."""
        if self._connection is None:
            raise BrokerUnavailable(self._last_error)
        if not self.is_connected():
            raise BrokerUnavailable("connection lost; reconnecting")

    async def close(self) -> None:
        """Stop connecting and close the connection."""
        self._stop.set()
        if self._attempt is not None:
            # Close an attempt in flight before cancelling our task: a RobustConnection
            # whose connect is cancelled from outside pauses its own retry loop for a
            # full reconnect_interval before it notices it is being closed.
            await self._attempt.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def _connect(self) -> None:
        connection = await retry_until_done(
            self._open_connection,
            what=f"broker connect to {redact_url(str(self._url))}",
            stop=self._stop,
            backoff=self._backoff,
            transient=CONNECTION_EXCEPTIONS,
            logger=log,
            on_failure=self._remember_failure,
        )
        if connection is not None:
            connection.close_callbacks.add(self._on_link_closed)
            connection.reconnect_callbacks.add(self._on_link_restored)
            self._connection = connection
            self._link_up = True
            log.info("broker ready")

    async def _open_connection(self) -> AbstractRobustConnection:
        connection = aio_pika.RobustConnection(
            self._url,
            reconnect_interval=self._options.reconnect_interval_s,
            client_properties={"connection_name": self._connection_name},
        )
        self._attempt = connection
        try:
            await connection.connect(timeout=self._options.connect_timeout_s)
            for step in self._setup:
                await step(connection)
        except BaseException:
            await connection.close()
            raise
        finally:
            self._attempt = None
        return connection

    def _remember_failure(self, exc: BaseException) -> None:
        self._last_error = f"connecting: {describe_error(exc)}"

    def _on_link_closed(
        self, _sender: AbstractConnection | None, exc: BaseException | None
    ) -> None:
        if self._link_up and not self._stop.is_set():
            reason = describe_error(exc) if exc is not None else "closed"
            log.warning("broker connection lost (%s); aio-pika reconnects", reason)
        self._link_up = False

    def _on_link_restored(self, _sender: AbstractRobustConnection | None) -> None:
        # aio-pika calls this after every recovery, never for the first connect.
        self._link_up = True
        log.info("broker connection restored")
        if self._on_reconnect is not None:
            self._on_reconnect()


async def declare_durable_exchange(
    channel: AbstractChannel, name: str, kind: ExchangeType = ExchangeType.TOPIC
) -> AbstractExchange:
    """Declare a durable, non-auto-deleted exchange (idempotent if it already exists
    with the same type). On a robust channel it is re-declared after a reconnect."""
    return await channel.declare_exchange(name, kind, durable=True, auto_delete=False)
