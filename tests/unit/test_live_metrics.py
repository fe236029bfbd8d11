"""`sandbox status --watch`'s figures, read from expositions like the parts serve them."""

from __future__ import annotations

from rich.console import Console

from chaos.live_figures import LiveView, read_queues, read_service
from sandbox.live_metrics import live_tables

RABBITMQ = """\
# TYPE rabbitmq_detailed_queue_messages gauge
rabbitmq_detailed_queue_messages{vhost="/critter",queue="orders.inbox"} 12
rabbitmq_detailed_queue_messages{vhost="/critter",queue="orders.dead-letter"} 3
rabbitmq_detailed_queue_messages{vhost="/",queue="elsewhere"} 99
# TYPE rabbitmq_detailed_queue_consumers gauge
rabbitmq_detailed_queue_consumers{vhost="/critter",queue="orders.inbox"} 0
rabbitmq_detailed_queue_consumers{vhost="/critter",queue="orders.dead-letter"} 0
"""
ORDERS = """\
# TYPE messaging_outbox_depth gauge
messaging_outbox_depth 4.0
# TYPE messaging_outbox_oldest_age_seconds gauge
messaging_outbox_oldest_age_seconds 1.5
# TYPE orders_sagas_stuck gauge
orders_sagas_stuck 2.0
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/health/ready",status="200"} 7.0
"""


def test_queues_of_the_sandbox_vhost_and_service_figures_are_read() -> None:
    view = LiveView()
    read_queues(RABBITMQ, view, "/critter")
    read_service("orders", ORDERS, view)
    assert view.queues == {
        "orders.inbox": {"messages": 12, "consumers": 0},
        "orders.dead-letter": {"messages": 3, "consumers": 0},
    }
    assert view.services["orders"] == {"outbox": 4, "outbox_age_s": 1.5, "stuck_sagas": 2}


def test_trouble_is_drawn_in_red() -> None:
    view = LiveView()
    read_queues(RABBITMQ, view, "/critter")
    read_service("orders", ORDERS, view)
    read_service("catalog", "", view)
    queues, services = live_tables(view)
    # sorted: the dead-letter queue holds messages, the inbox has no consumer
    assert [row.style for row in queues.rows] == ["red", "red"]
    assert [row.style for row in services.rows] == ["red", None]  # orders has stuck sagas
    console = Console(record=True, width=120)
    console.print(services)
    assert "1.5 s" in console.export_text()
