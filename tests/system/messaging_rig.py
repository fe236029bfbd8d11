"""The rig for the messaging system tests: a tiny in-process service and operator tools.

Each test builds a tiny service in-process with ``build_app(..., messaging=...)``: its own
throwaway database (created with the PostgreSQL admin, since service roles exist only for
registered services), its own queues (``mt-<hex>.inbox``), the RabbitMQ admin user, and
the real lifespan. Its handler records each ``Ping`` in an ``effects`` table without a
unique key, so a duplicate effect is visible. Faults: a Toxiproxy proxy of the test's own
between the service and RabbitMQ (disabled = link cut), and ``sandbox restart rabbitmq``.
Operators' views (raw publishing, reading dead letters) use a direct admin connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aio_pika
import asyncpg
import httpx
from fastapi import FastAPI

from services.contracts.messages import EXCHANGE, Message
from services.kernel.app import build_app
from services.kernel.messaging import HandlerContext, Messaging, PermanentError, Subscription
from services.kernel.migrations import Migration, MigrationPlan
from services.kernel.runtime import ServiceRuntime
from services.kernel.settings import ServiceSettings
from tests.sandbox_control import SandboxHandle
from tests.system.amqp_helpers import admin_url

SCENARIO_CEILING_S = 120.0


class Ping(Message):
    SOURCE: ClassVar[str] = "msgtest"
    n: int


class Boom(Message):
    """Its handler always fails: permanently if ``permanent``, else with a RuntimeError."""

    SOURCE: ClassVar[str] = "msgtest"
    permanent: bool = False


EFFECTS = MigrationPlan(
    [Migration(1, "effects", "CREATE TABLE effects (message_id uuid NOT NULL, n int NOT NULL)")]
)


@dataclass
class TinyService:
    """A running test service and what it observed."""

    name: str
    database_url: str
    app: FastAPI
    messaging: Messaging
    boom_calls: list[uuid.UUID] = field(default_factory=list)

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def publish(self, *messages: Message) -> None:
        async with self.runtime.database.pool.acquire() as conn, conn.transaction():
            for message in messages:
                await self.messaging.publish(conn, message)

    async def scalar(self, sql: str) -> int:
        async with self.runtime.database.pool.acquire() as conn:
            return int(await conn.fetchval(sql))

    async def effects(self) -> int:
        return await self.scalar("SELECT count(*) FROM effects")

    async def outbox(self) -> int:
        return await self.scalar("SELECT count(*) FROM outbox")

    async def readiness(self) -> tuple[int, dict[str, str]]:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/health/ready")
        return response.status_code, response.json()["checks"]

    async def is_ready(self) -> bool:
        return (await self.readiness())[0] == 200

    async def wait_ready(self, ready: bool = True) -> None:
        async def reached() -> bool:
            return await self.is_ready() == ready

        await eventually(reached, 30, f"{self.name} to be {'' if ready else 'not '}ready")

    async def settle(self, effects: int, deadline_s: float = 30) -> None:
        """Wait until ``effects`` effects exist and the outbox is empty."""

        async def done() -> bool:
            return await self.effects() == effects and await self.outbox() == 0

        await eventually(done, deadline_s, f"{effects} effects and an empty outbox")


async def eventually(
    condition: Callable[[], Awaitable[bool]], deadline_s: float, what: str
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``deadline_s``."""
    end = time.monotonic() + deadline_s
    while not await condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


def run(scenario: Coroutine[Any, Any, None]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(SCENARIO_CEILING_S):
            await scenario

    asyncio.run(bounded())


@contextlib.asynccontextmanager
async def tiny_service(
    sandbox: SandboxHandle,
    *,
    amqp_port: int | None = None,
    postgres_port: int | None = None,
    defects: str = "",
    replica_of: TinyService | None = None,
) -> AsyncIterator[TinyService]:
    """Create a database, start the service, wait until ready; undo all of it afterwards.

    ``amqp_port`` / ``postgres_port`` send the service through a proxy; the test's own
    connections always go direct. A ``replica_of`` another service shares its name,
    database and queues (which the original owns and removes).
    """
    async with contextlib.AsyncExitStack() as cleanup:
        if replica_of is None:
            name = f"mt-{uuid.uuid4().hex[:8]}"
            database_url = await cleanup.enter_async_context(
                throwaway_database(sandbox, name.replace("-", "_"), postgres_port)
            )
        else:
            name, database_url = replica_of.name, replica_of.database_url
        calls: list[uuid.UUID] = []

        async def on_ping(ctx: HandlerContext, message: Ping) -> None:
            await ctx.conn.execute(
                "INSERT INTO effects (message_id, n) VALUES ($1, $2)", ctx.message_id, message.n
            )

        async def on_boom(ctx: HandlerContext, message: Boom) -> None:
            calls.append(ctx.message_id)
            if message.permanent:
                raise PermanentError("this order can never be shipped")
            raise RuntimeError("boom")

        messaging = Messaging(name, [Subscription(Ping, on_ping), Subscription(Boom, on_boom)])
        settings = ServiceSettings(
            service_name=name,
            http_port=1,  # never served: requests go through httpx.ASGITransport
            database_url=database_url,
            amqp_url=_with_port(admin_url(sandbox), sandbox.port_base + 2, amqp_port),
            sandbox_defects=frozenset(filter(None, defects.split(","))),
        )
        app = build_app(settings, title=name, migrations=EFFECTS, messaging=messaging)
        if replica_of is None:
            cleanup.push_async_callback(delete_queues, sandbox, messaging)
        service = TinyService(name, database_url, app, messaging, calls)
        async with app.router.lifespan_context(app):
            await service.wait_ready()
            yield service


@contextlib.asynccontextmanager
async def throwaway_database(
    sandbox: SandboxHandle, database: str, via_port: int | None
) -> AsyncIterator[str]:
    """Create ``database`` as the PostgreSQL admin; yield its URL (through ``via_port`` if
    given); drop it afterwards."""
    password = sandbox.secrets()["postgres/admin"]
    direct = f"postgresql://sandbox_admin:{password}@127.0.0.1:{sandbox.port_base + 1}"
    admin = await asyncpg.connect(f"{direct}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
        yield f"{_with_port(direct + '/', sandbox.port_base + 1, via_port)}{database}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def delete_queues(sandbox: SandboxHandle, messaging: Messaging) -> None:
    """Delete the test service's queues (and the exchanges only a defect created)."""
    topology = messaging.topology
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    async with connection:
        channel = await connection.channel()
        for queue in (topology.inbox_queue, topology.dead_letter_queue):
            await channel.queue_delete(queue)
        if topology.transient:
            for exchange in (topology.exchange, topology.dead_letter_exchange):
                await channel.exchange_delete(exchange)


async def publish_ping(sandbox: SandboxHandle, n: int, message_id: str | None = None) -> None:
    body = Ping(n=n).model_dump_json(by_alias=True).encode()
    message_id = message_id or str(uuid.uuid4())
    await publish_raw(sandbox, body, routing_key=Ping.routing_key(), message_id=message_id)


async def publish_raw(
    sandbox: SandboxHandle,
    body: bytes,
    *,
    routing_key: str,
    message_id: str,
    type_name: str = "Ping",
) -> None:
    """Publish as a misbehaving peer would: persistent, confirmed, straight to the exchange."""
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE)
        message = aio_pika.Message(
            body,
            message_id=message_id,
            type=type_name,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await exchange.publish(message, routing_key=routing_key)


async def dead_letters(sandbox: SandboxHandle, queue: str) -> list[aio_pika.abc.AbstractMessage]:
    """Take every message from the dead-letter ``queue`` (acknowledging them)."""
    taken: list[aio_pika.abc.AbstractMessage] = []
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        while (message := await declared.get(no_ack=False, fail=False)) is not None:
            await message.ack()
            taken.append(message)
    return taken


@contextlib.asynccontextmanager
async def own_link(sandbox: SandboxHandle, upstream_port: int) -> AsyncIterator[ToxiLink]:
    """A Toxiproxy proxy of this test's own to ``upstream_port``; deleted afterwards."""
    api = f"http://127.0.0.1:{sandbox.port_base}"
    name = f"messaging-test-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=api, timeout=10) as client:
        created = await client.post(
            "/proxies",
            json={
                "name": name,
                "listen": "127.0.0.1:0",
                "upstream": f"127.0.0.1:{upstream_port}",
                "enabled": True,
            },
        )
        created.raise_for_status()
        port = int(created.json()["listen"].rsplit(":", 1)[1])
        try:
            yield ToxiLink(client, name, port)
        finally:
            await client.delete(f"/proxies/{name}")


@dataclass
class ToxiLink:
    client: httpx.AsyncClient
    name: str
    port: int

    async def set_enabled(self, enabled: bool) -> None:
        response = await self.client.post(f"/proxies/{self.name}", json={"enabled": enabled})
        response.raise_for_status()


def _with_port(url: str, port: int, replacement: int | None) -> str:
    return url.replace(f":{port}/", f":{replacement}/") if replacement else url


async def publish_to(
    sandbox: SandboxHandle, exchange_name: str, message: Message, *, persistent: bool
) -> None:
    """Publish ``message`` to ``exchange_name`` as an outside peer would."""
    connection = await aio_pika.connect(admin_url(sandbox), timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(exchange_name)
        mode = (
            aio_pika.DeliveryMode.PERSISTENT if persistent else aio_pika.DeliveryMode.NOT_PERSISTENT
        )
        await exchange.publish(
            aio_pika.Message(
                message.model_dump_json(by_alias=True).encode(),
                message_id=str(uuid.uuid4()),
                type=message.type_name(),
                delivery_mode=mode,
            ),
            routing_key=message.routing_key(),
        )
