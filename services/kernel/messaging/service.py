"""``Messaging``: the one object a service builds to publish and consume messages.

A service declares it in its composition root and hands it to ``build_app``::

    messaging = Messaging("inventory", [Subscription(OrderPlaced, reserve_stock)])
    app = build_app(settings, title=..., migrations=MIGRATIONS, messaging=messaging)

``build_app`` then calls, in this order: ``configure`` (defects, metrics);
``migrations.apply`` on the first database connection; ``declare_topology`` on the
first broker connection; ``start`` when the lifespan begins; ``stop`` when it ends.
``start`` returns at once: the relay and the consumer begin once both the
database and the broker are set up, and survive their outages from then on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aio_pika.abc import AbstractRobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from prometheus_client import CollectorRegistry

from services.contracts.messages import Message
from services.kernel.bus import Broker
from services.kernel.db import Database
from services.kernel.errors import BrokerUnavailable, DependencyUnavailable
from services.kernel.logs import describe_error
from services.kernel.messaging.amqp_logs import quiet_channel_reopen_errors
from services.kernel.messaging.consumer import InboxConsumer
from services.kernel.messaging.envelope import Envelope
from services.kernel.messaging.handlers import AnySubscription, ConsumerUnavailable, MessagingError
from services.kernel.messaging.inbox import Inbox
from services.kernel.messaging.metrics import MessagingMetrics
from services.kernel.messaging.options import Defects, MessagingOptions
from services.kernel.messaging.outbox import (
    OutboxBacklog,
    OutboxRelay,
    outbox_backlog,
    write_outbox,
)
from services.kernel.messaging.publisher import Publisher
from services.kernel.messaging.schema import MESSAGING_MIGRATIONS
from services.kernel.messaging.topology import Topology, routing_keys_of
from services.kernel.retry import retry_until_done, wait_for_event

log = logging.getLogger(__name__)

_READY_POLL_S = 0.1  # Database and Broker expose no event for "set up"; polling is cheap


class Messaging:
    """Outbox publishing, the outbox relay and the inbox consumer of one service process."""

    name = "consumer"  # as a readiness probe

    def __init__(
        self,
        service: str,
        subscriptions: Sequence[AnySubscription] = (),
        *,
        options: MessagingOptions | None = None,
    ) -> None:
        by_type: dict[str, AnySubscription] = {}
        for subscription in subscriptions:
            type_name = subscription.message_type.type_name()
            if type_name in by_type:
                raise MessagingError(f"{service} subscribes to {type_name} twice")
            by_type[type_name] = subscription
        self.service = service
        self.subscriptions: dict[str, AnySubscription] = by_type
        self.migrations = MESSAGING_MIGRATIONS
        self.options = options or MessagingOptions()
        self.defects = Defects()
        self.metrics = MessagingMetrics()
        self._on_database_reconnect: Callable[[], None] | None = None
        self._database: Database | None = None
        self._publisher: Publisher | None = None
        self._relay: OutboxRelay | None = None
        self._consumer: InboxConsumer | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_error = "not consuming yet"

    @property
    def topology(self) -> Topology:
        return Topology(
            self.service,
            routing_keys_of([sub.message_type for sub in self.subscriptions.values()]),
            transient=self.defects.transient_broker,
            delivery_limit=self.options.delivery_limit,
        )

    def configure(
        self,
        *,
        defects: Iterable[str] = (),
        registry: CollectorRegistry | None = None,
        on_database_reconnect: Callable[[], None] | None = None,
    ) -> None:
        """Switch on the named defects and register the metrics on ``registry``;
        ``on_database_reconnect`` is called whenever the relay's listener reconnects.

        Call before ``start`` (``build_app`` does, with the settings' defects and the
        service's metrics).
        """
        self.defects = Defects.from_names(defects)
        self._on_database_reconnect = on_database_reconnect
        quiet_channel_reopen_errors()
        if registry is not None:
            self.metrics = MessagingMetrics(registry)
        if self.defects.names():
            log.warning("messaging defects switched on: %s", ", ".join(self.defects.names()))

    async def declare_topology(self, connection: AbstractRobustConnection) -> None:
        """Declare exchanges (and, with subscriptions, the queues) once; a ``BrokerSetup``."""
        channel = await connection.channel(publisher_confirms=False)
        try:
            topology = self.topology
            if self.subscriptions:
                await topology.declare_queues(channel)
            else:
                await topology.declare_exchanges(channel)
        finally:
            await channel.close()

    def start(self, *, database: Database, broker: Broker, database_url: str) -> None:
        """Begin relaying and consuming in the background; returns at once."""
        if self._task is not None:
            return
        self._stop = asyncio.Event()
        self._database = database
        self._task = asyncio.create_task(
            self._run(database, broker, database_url), name=f"{self.service}-messaging"
        )

    async def stop(self) -> None:
        """Stop consuming (handlers in flight finish), then the relay, then the channel."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        consumer, relay, publisher = self._consumer, self._relay, self._publisher
        self._consumer = self._relay = self._publisher = None
        if consumer is not None:
            await consumer.stop()
        if relay is not None:
            await relay.stop()
        if publisher is not None:
            await publisher.close()

    async def publish(self, connection: Any, message: Message) -> None:
        """Write ``message`` to the outbox in the caller's open transaction.

        It is sent after the transaction commits (and never if it rolls back).
        Raises MessagingError outside a transaction: that would decouple the message
        from the state change it reports.
        """
        if not connection.is_in_transaction():
            raise MessagingError("Messaging.publish() must run inside a transaction")
        envelope = Envelope.wrap(message, source=self.service)
        if self.defects.no_outbox:
            # The original flaw: sent now, even if the caller's transaction rolls back, and
            # lost (the call fails) while the broker is unreachable.
            if self._publisher is None:
                raise BrokerUnavailable("not connected yet")
            await self._publisher.publish(envelope)
            return
        await write_outbox(connection, envelope)

    async def probe(self) -> None:
        """Readiness: raise ConsumerUnavailable while the inbox is not being consumed."""
        if self._consumer is None:
            raise ConsumerUnavailable(self._last_error)
        await self._consumer.probe()

    async def outbox_backlog(self) -> OutboxBacklog:
        """Rows waiting in the outbox and the age of the oldest (also sets their gauges)."""
        if self._database is None:
            raise MessagingError("messaging has not been started")
        backlog = await outbox_backlog(self._database.pool)
        self.metrics.set_outbox_backlog(backlog.depth, backlog.oldest_age_s)
        return backlog

    async def _run(self, database: Database, broker: Broker, database_url: str) -> None:
        while not (database.is_ready() and broker.is_connected()):
            if await wait_for_event(self._stop, _READY_POLL_S):
                return
        await retry_until_done(
            lambda: self._open(database, broker, database_url),
            what=f"{self.service} messaging start",
            stop=self._stop,
            backoff=self.options.backoff,
            transient=(*CONNECTION_EXCEPTIONS, DependencyUnavailable, TimeoutError),
            logger=log,
            on_failure=self._remember_failure,
        )

    def _remember_failure(self, exc: BaseException) -> None:
        self._last_error = f"starting: {describe_error(exc)}"

    async def _open(self, database: Database, broker: Broker, database_url: str) -> None:
        topology = self.topology
        publisher = Publisher(
            topology,
            self.metrics,
            confirms=not self.defects.transient_broker,
            timeout_s=self.options.publish_timeout_s,
        )
        await publisher.open(broker.connection)
        consumer = None
        if self.subscriptions:
            inbox = Inbox(
                subscriptions=self.subscriptions,
                pool=lambda: database.pool,
                database_probe=database.probe,
                write=self.publish,
                options=self.options,
                metrics=self.metrics,
                deduplicate=not self.defects.no_inbox,
            )
            consumer = InboxConsumer(
                topology=topology,
                inbox=inbox,
                publisher=publisher,
                options=self.options,
                metrics=self.metrics,
            )
            try:
                await consumer.start(broker.connection)
            except BaseException:
                await consumer.stop()
                await publisher.close()
                raise
        relay = OutboxRelay(
            service=self.service,
            dsn=database_url,
            pool=lambda: database.pool,
            publisher=publisher,
            options=self.options,
            on_reconnect=self._on_database_reconnect,
        )
        relay.start()
        self._publisher, self._consumer, self._relay = publisher, consumer, relay
        consuming = topology.inbox_queue if consumer is not None else "nothing"
        log.info("messaging started: relaying the outbox, consuming %s", consuming)
