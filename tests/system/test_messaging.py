"""The kernel's messaging on a real broker and database: outbox, inbox, dead letters, faults.

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
import uuid

import aio_pika
import httpx
import pytest

from services.kernel.errors import BrokerUnavailable
from tests.sandbox_control import SandboxHandle
from tests.system.messaging_rig import (
    Boom,
    Ping,
    dead_letters,
    eventually,
    own_link,
    publish_ping,
    publish_raw,
    publish_to,
    run,
    tiny_service,
)

pytestmark = pytest.mark.sandbox

# -- the tests ---------------------------------------------------------------------------------


def test_outbox_message_is_consumed_exactly_once(shared_sandbox: SandboxHandle) -> None:
    async def scenario() -> None:
        async with tiny_service(shared_sandbox) as service:
            await service.publish(*(Ping(n=n) for n in range(20)))
            await service.settle(20, 20)
            metrics = service.messaging.metrics
            assert metrics.value("messaging_published_total", type="Ping") == 20
            assert metrics.value("messaging_consumed_total", type="Ping") == 20
            assert await service.scalar("SELECT count(DISTINCT n) FROM effects") == 20
            assert await service.scalar("SELECT count(*) FROM inbox") == 20
            assert await service.scalar("SELECT count(*) FROM schema_migrations_messaging") == 1

    run(scenario())


def test_replicas_share_the_work_and_each_message_has_one_effect(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario() -> None:
        async with (
            tiny_service(shared_sandbox) as first,
            tiny_service(shared_sandbox, replica_of=first) as second,
        ):
            for start in range(0, 400, 50):  # both relays race for these rows
                await first.publish(*(Ping(n=n) for n in range(start, start + 50)))
                await second.publish(*(Ping(n=-n - 1) for n in range(start, start + 50)))
            await first.settle(800, 60)
            assert await first.scalar("SELECT count(DISTINCT message_id) FROM effects") == 800
            handled = [
                replica.messaging.metrics.value("messaging_consumed_total", type="Ping")
                for replica in (first, second)
            ]
            assert sum(handled) == 800
            assert min(handled) > 0, f"one replica did all the work: {handled}"

    run(scenario())


def test_rolled_back_publish_is_never_sent(shared_sandbox: SandboxHandle) -> None:
    async def scenario() -> None:
        async with tiny_service(shared_sandbox) as service:
            with contextlib.suppress(LookupError):
                async with service.runtime.database.pool.acquire() as conn, conn.transaction():
                    await service.messaging.publish(conn, Ping(n=-1))
                    raise LookupError("the caller's transaction fails")
            await service.publish(Ping(n=1))  # a later message overtakes nothing
            await service.settle(1, 20)
            assert await service.scalar("SELECT min(n) FROM effects") == 1

    run(scenario())


@pytest.mark.parametrize(("defects", "expected"), [("", 1), ("no-inbox", 2)])
def test_redelivered_message_has_its_effect_once(
    shared_sandbox: SandboxHandle, defects: str, expected: int
) -> None:
    async def scenario() -> None:
        async with tiny_service(shared_sandbox, defects=defects) as service:
            message_id = str(uuid.uuid4())
            for _ in range(2):
                await publish_ping(shared_sandbox, 7, message_id)
            metrics = service.messaging.metrics

            async def both_handled() -> bool:
                handled = metrics.value("messaging_consumed_total", type="Ping")
                return handled + metrics.value("messaging_duplicates_total", type="Ping") == 2

            await eventually(both_handled, 20, "both deliveries to be handled")
            assert await service.effects() == expected

    run(scenario())


def test_poison_and_failing_messages_are_dead_lettered_with_their_error(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario() -> None:
        async with tiny_service(shared_sandbox) as service:
            poison = [(b'{"n": ', "Ping"), (b"{}", "Pong"), (b'{"n": "seven"}', "Ping")]
            for body, type_name in poison:
                await publish_raw(
                    shared_sandbox,
                    body,
                    routing_key=Ping.routing_key(),
                    message_id=str(uuid.uuid4()),
                    type_name=type_name,
                )
            await service.publish(Boom(), Boom(permanent=True), Ping(n=1))
            queue = service.messaging.topology.dead_letter_queue
            parked: list[aio_pika.abc.AbstractMessage] = []

            async def all_parked() -> bool:
                parked.extend(await dead_letters(shared_sandbox, queue))
                return len(parked) >= 5

            await eventually(all_parked, 60, "five dead letters")
            errors = {str(message.headers["x-error"]) for message in parked}
            assert {error.split(":")[0] for error in errors} == {
                "Ping body refused",  # malformed JSON, and a body the model refuses
                "no subscription for message type 'Pong'",
                "PermanentError",
                "RuntimeError",
            }
            assert "PermanentError: this order can never be shipped" in errors
            assert "RuntimeError: boom" in errors
            for message in parked:
                assert message.headers["x-failed-service"] == service.name
                assert message.headers["x-original-routing-key"] in {
                    Ping.routing_key(),
                    Boom.routing_key(),
                }
            # The transient failure was tried delivery_limit times, the permanent one once.
            assert len(service.boom_calls) == service.messaging.options.delivery_limit + 1
            assert await service.effects() == 1  # the healthy message was not blocked

    run(scenario())


def test_outbox_holds_messages_while_the_broker_link_is_cut(shared_sandbox: SandboxHandle) -> None:
    async def scenario() -> None:
        async with (
            own_link(shared_sandbox, shared_sandbox.port_base + 2) as link,
            tiny_service(shared_sandbox, amqp_port=link.port) as service,
        ):
            await service.publish(Ping(n=0))
            await service.settle(1, 20)
            await link.set_enabled(False)
            await service.wait_ready(False)
            _, checks = await service.readiness()
            assert checks["broker"] != "ok"
            assert checks["consumer"] != "ok"
            await service.publish(*(Ping(n=n) for n in range(1, 11)))
            assert await service.outbox() == 10  # waiting, not lost
            await link.set_enabled(True)
            await service.settle(11, 60)
            await service.wait_ready()

    run(scenario())


def test_database_outage_delays_messages_without_dead_lettering_them(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario() -> None:
        async with (
            own_link(shared_sandbox, shared_sandbox.port_base + 1) as link,
            tiny_service(shared_sandbox, postgres_port=link.port) as service,
        ):
            await link.set_enabled(False)
            await service.wait_ready(False)
            for n in range(5):  # arrive while the handler cannot reach its database
                await publish_ping(shared_sandbox, n)
            metrics = service.messaging.metrics

            async def held_a_while() -> bool:  # 5 pauses each: longer than 5 redeliveries take
                return metrics.value("messaging_paused_total", type="Ping") >= 25

            await eventually(held_a_while, 30, "the handlers to pause repeatedly")
            await link.set_enabled(True)
            await service.wait_ready()
            await service.settle(5, 30)
            assert metrics.value("messaging_retried_total", type="Ping") == 0
            parked = await dead_letters(
                shared_sandbox, service.messaging.topology.dead_letter_queue
            )
            assert parked == []

    run(scenario())


def test_consumer_and_relay_survive_a_broker_restart(shared_sandbox: SandboxHandle) -> None:
    async def scenario() -> None:
        async with tiny_service(shared_sandbox) as service:
            restart = asyncio.create_task(
                asyncio.to_thread(shared_sandbox.cli, "restart", "rabbitmq")
            )
            sent = 0
            while not restart.done():  # keep writing while the broker goes down and comes back
                await service.publish(Ping(n=sent))
                sent += 1
                await asyncio.sleep(0.05)
            await restart
            await service.publish(Ping(n=sent))
            sent += 1
            await service.settle(sent, 60)
            await service.wait_ready()
            assert await service.scalar("SELECT count(DISTINCT n) FROM effects") == sent

    run(scenario())


def test_no_outbox_defect_fails_the_call_while_the_broker_is_unreachable(
    shared_sandbox: SandboxHandle,
) -> None:
    async def scenario() -> None:
        async with (
            own_link(shared_sandbox, shared_sandbox.port_base + 2) as link,
            tiny_service(shared_sandbox, amqp_port=link.port, defects="no-outbox") as service,
        ):
            await service.publish(Ping(n=0))
            assert await service.outbox() == 0  # sent directly, not through the outbox
            await service.settle(1, 20)
            await link.set_enabled(False)
            await service.wait_ready(False)
            with pytest.raises(BrokerUnavailable):
                await service.publish(Ping(n=1))
            assert await service.outbox() == 0  # nothing kept: the message is gone

    run(scenario())


def test_transient_broker_defect_declares_nothing_durable(shared_sandbox: SandboxHandle) -> None:
    async def scenario() -> None:
        async with tiny_service(shared_sandbox, defects="transient-broker") as service:
            topology = service.messaging.topology
            assert topology.inbox_queue.endswith(".transient")
            secrets = shared_sandbox.secrets()
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{shared_sandbox.port_base + 3}/api",
                auth=("critter_admin", secrets["rabbitmq/admin"]),
                timeout=10,
            ) as api:
                queue = (await api.get(f"/queues/%2Fcritter/{topology.inbox_queue}")).json()
                exchange = (await api.get(f"/exchanges/%2Fcritter/{topology.exchange}")).json()
            assert (queue["durable"], queue["type"], exchange["durable"]) == (
                False,
                "classic",
                False,
            )
            await service.publish(Ping(n=1))
            await service.settle(1, 20)

    run(scenario())


# -- small helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("defects", "survivors"), [("", 1), ("transient-broker", 0)])
def test_a_queued_message_survives_a_broker_restart_only_when_durable(
    shared_sandbox: SandboxHandle, defects: str, survivors: int
) -> None:
    """The healthy build keeps a waiting message across a restart; ``transient-broker`` loses it.

    The service is cut off (its own proxy disabled) so the message waits in its inbox queue
    while the broker restarts.
    """

    async def scenario() -> None:
        async with (
            own_link(shared_sandbox, shared_sandbox.port_base + 2) as link,
            tiny_service(shared_sandbox, amqp_port=link.port, defects=defects) as service,
        ):
            topology = service.messaging.topology
            await link.set_enabled(False)
            await service.wait_ready(False)
            await publish_to(shared_sandbox, topology.exchange, Ping(n=7), persistent=not defects)
            await asyncio.to_thread(shared_sandbox.cli, "restart", "rabbitmq")
            await link.set_enabled(True)
            await service.wait_ready()
            if survivors:
                await service.settle(survivors, 30)
            else:  # give a surviving message every chance to arrive: a marker goes after it
                await service.publish(Ping(n=8))
                await service.settle(1, 30)
                assert await service.scalar("SELECT count(*) FROM effects WHERE n = 7") == 0

    run(scenario())
