"""Pure parts of the load test's accounting: work counts, CPU across restarts, and the load's
checkouts turned into the chaos harness's attempts."""

from __future__ import annotations

from sandbox.load_faults import workload_record
from sandbox.loadtest_cli import cpu_used, error_evidence
from sandbox.work_meter import WorkCounts, sum_series

EXPOSITION = """# HELP http_requests_total HTTP requests handled
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/products",status="200"} 12.0
http_requests_total{method="POST",route="/api/carts",status="201"} 3.0
http_requests_total{method="GET",route="/metrics",status="200"} 40.0
http_request_duration_seconds_count{method="GET",route="/api/products",status="200"} 12.0
"""


def test_every_request_series_is_summed_and_nothing_else() -> None:
    assert sum_series(EXPOSITION, "http_requests_total{") == 55.0
    assert sum_series(EXPOSITION, "http_requests_total{", without='route="/metrics"') == 15.0


def test_work_per_order_is_a_difference_divided_by_the_orders() -> None:
    before = WorkCounts(published=100, delivered=120, transactions=1000, http_requests=50)
    after = WorkCounts(published=300, delivered=340, transactions=2000, http_requests=450)
    assert after.minus(before).per(20) == {
        "published": 10.0, "delivered": 11.0, "transactions": 50.0, "http_requests": 20.0,
    }  # fmt: skip


def test_an_unreadable_count_stays_unknown_instead_of_becoming_zero() -> None:
    before = WorkCounts(published=None, delivered=1, transactions=1, http_requests=1)
    after = WorkCounts(published=5, delivered=3, transactions=3, http_requests=3)
    per = after.minus(before).per(2)
    assert per["published"] is None
    assert per["delivered"] == 1.0
    assert after.per(0)["delivered"] is None


def test_a_component_restarted_during_the_run_counts_its_new_process_only() -> None:
    before = {"orders": (10, 5.0), "rabbitmq": (20, 30.0)}
    after = {"orders": (10, 7.5), "rabbitmq": (21, 4.0), "catalog": (30, 1.0)}
    assert cpu_used(before, after) == {"orders": 2.5, "rabbitmq": 4.0, "catalog": 1.0}


def test_each_checkout_becomes_an_attempt_acknowledged_only_with_an_order_id() -> None:
    output = {
        "checkouts": [
            {"customer_id": "c1", "order_id": "o1"},
            {"customer_id": "c2", "order_id": None},
        ]
    }
    first, second = workload_record(output).attempts
    assert (first.customer_id, first.order_id, first.outcome) == ("c1", "o1", "acknowledged")
    assert first.planned.expected_status == "Delivered"
    assert (second.order_id, second.outcome) == (None, "failed")


def test_error_evidence_groups_by_kind_and_endpoint_most_frequent_first() -> None:
    errors = [
        {"kind": "timeout", "endpoint": "POST /checkout", "detail": f"order {n}: no event"}
        for n in range(3)
    ] + [{"kind": "http", "endpoint": "POST /checkout", "detail": "503: orders is behind"}]
    assert error_evidence({"errors": errors}) == [
        "3 timeout at POST /checkout, e.g. order 0: no event",
        "1 http at POST /checkout, e.g. 503: orders is behind",
    ]
    assert error_evidence({}) == []
