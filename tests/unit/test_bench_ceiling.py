"""The bare-client ceiling's pure parts: the arithmetic, the ratio, the result file and its
loader, and the bounds every unit runs under."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.bench import (
    BenchFileError,
    UnitCosts,
    WorkPerOrder,
    ceiling_orders_per_s,
    latest_bench,
    ratio,
    read_bench,
)
from sandbox.bench.budget import Budget
from sandbox.bench.ceiling import ms_per_order
from sandbox.bench.cpu import used_between
from sandbox.bench.result import UnitResult, write_result
from sandbox.bench.runner import UNITS, plan
from sandbox.errors import ConfigError

COSTS = UnitCosts(
    message_ms=1.4,
    transaction_ms=0.85,
    http_server_ms=0.35,
    http_client_ms=0.3,
    sse_event_ms=0.1,
    cores=2,
)
STARTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def full_results(scale: float = 1.0) -> list[UnitResult]:
    return [
        UnitResult("message", 1000, 2.0, {"client": 800.0 * scale, "rabbitmq": 600.0 * scale}),
        UnitResult("transaction", 2000, 2.0, {"client": 900.0, "postgres": 800.0}),
        UnitResult("http_server", 4000, 2.0, {"server": 1400.0}),
        UnitResult("http_client", 4000, 2.0, {"client": 1200.0}),
        UnitResult("sse_event", 10000, 2.0, {"client": 600.0, "server": 400.0}),
    ]


def test_the_ceiling_is_cores_over_the_cost_of_an_order() -> None:
    work = WorkPerOrder(messages=10, transactions=12, http_requests=20, sse_events=6)
    # 14 + 10.2 + 20 * 0.65 + 0.6 = 37.8 ms per order; 2 cores = 2000 ms per second.
    assert ms_per_order(COSTS, work) == pytest.approx(37.8)
    assert ceiling_orders_per_s(COSTS, work) == pytest.approx(2000 / 37.8)


def test_each_kind_of_work_is_priced_at_its_own_unit_cost() -> None:
    assert ceiling_orders_per_s(COSTS, WorkPerOrder(1, 0, 0, 0)) == pytest.approx(2000 / 1.4)
    assert ceiling_orders_per_s(COSTS, WorkPerOrder(0, 1, 0, 0)) == pytest.approx(2000 / 0.85)
    # An HTTP request is paid on both sides: server and client.
    assert ceiling_orders_per_s(COSTS, WorkPerOrder(0, 0, 1, 0)) == pytest.approx(2000 / 0.65)
    assert ceiling_orders_per_s(COSTS, WorkPerOrder(0, 0, 0, 1)) == pytest.approx(2000 / 0.1)
    assert ceiling_orders_per_s(COSTS, WorkPerOrder(0.5, 0, 0, 0)) == pytest.approx(2000 / 0.7)


def test_an_order_without_work_or_with_negative_work_has_no_ceiling() -> None:
    with pytest.raises(ValueError, match="no work"):
        ceiling_orders_per_s(COSTS, WorkPerOrder(0, 0, 0, 0))
    with pytest.raises(ValueError, match="negative"):
        ceiling_orders_per_s(COSTS, WorkPerOrder(-1, 5, 0, 0))


def test_the_ratio_is_the_share_of_the_ceiling_completed() -> None:
    assert ratio(20.0, 50.0) == pytest.approx(0.4)
    assert ratio(0.0, 50.0) == 0.0
    with pytest.raises(ValueError, match="positive"):
        ratio(20.0, 0.0)
    with pytest.raises(ValueError, match="negative"):
        ratio(-1.0, 50.0)


def test_a_written_result_reads_back_as_unit_costs(tmp_path: Path) -> None:
    path = write_result(tmp_path, STARTED, STARTED, full_results(), {"seconds_per_unit": 2})
    assert path.name == "20260102T030405Z-bench-infra.json"
    document = json.loads(path.read_text())
    assert document["version"] == 1
    assert set(document["machine"]) == {"cpu_count", "cpu_model", "python"}
    assert document["units"]["message"] == {
        "count": 1000,
        "seconds": 2.0,
        "ms_cpu_per_unit": 1.4,
        "per_s": 500.0,
        "cpu_ms_by_part": {"client": 800.0, "rabbitmq": 600.0},
    }
    costs = read_bench(path)
    assert costs.message_ms == pytest.approx(1.4)
    assert costs.transaction_ms == pytest.approx(0.85)
    assert costs.http_server_ms == pytest.approx(0.35)
    assert costs.http_client_ms == pytest.approx(0.3)
    assert costs.sse_event_ms == pytest.approx(0.1)
    assert costs.cores == document["machine"]["cpu_count"] >= 1


def test_the_latest_complete_result_is_found_and_partial_runs_are_passed_over(
    tmp_path: Path,
) -> None:
    assert latest_bench(tmp_path) is None
    assert latest_bench(tmp_path / "missing") is None
    older = write_result(tmp_path, STARTED, STARTED, full_results(), {})
    newer_start = STARTED + timedelta(hours=1)
    newer = write_result(tmp_path, newer_start, newer_start, full_results(2.0), {})
    partial_start = STARTED + timedelta(hours=2)
    partial = write_result(tmp_path, partial_start, partial_start, full_results()[:2], {})
    assert partial.name.endswith("-bench-infra-partial.json")
    assert older != newer
    assert latest_bench(tmp_path) == newer
    assert read_bench(newer).message_ms == pytest.approx(2.8)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("not json", "cannot read"),
        ('{"units": {}, "machine": {"cpu_count": 2}}', "lacks"),
        ('{"units": [], "machine": {"cpu_count": 2}}', "malformed"),
        ('{"units": {"message": {"ms_cpu_per_unit": "fast"}}}', "malformed"),
    ],
)
def test_a_bad_result_file_is_a_one_line_config_error(
    tmp_path: Path, content: str, complaint: str
) -> None:
    path = tmp_path / "x-bench-infra.json"
    path.write_text(content)
    with pytest.raises(BenchFileError, match=complaint) as caught:
        read_bench(path)
    assert isinstance(caught.value, ConfigError)
    assert "\n" not in str(caught.value)


def test_a_result_with_a_zero_cost_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BenchFileError, match="cannot read"):
        read_bench(tmp_path / "absent.json")
    results = full_results()
    results[2] = UnitResult("http_server", 10, 1.0, {"server": 0.0})
    path = write_result(tmp_path, STARTED, STARTED, results, {})
    with pytest.raises(BenchFileError, match="zero or less"):
        read_bench(path)


def test_the_plan_keeps_the_fixed_order_and_refuses_unknown_units() -> None:
    assert plan(None, 5).units == UNITS
    assert plan(["sse", "message"], 1).units == ("message", "sse")
    with pytest.raises(ConfigError, match="unknown unit nope"):
        plan(["http", "nope"], 5)
    with pytest.raises(ConfigError, match="at least"):
        plan(None, 0.5)


def test_a_budget_ends_at_its_count() -> None:
    budget = Budget(seconds=60, max_count=3)
    assert [budget.take() for _ in range(5)] == [True, True, True, False, False]
    assert budget.count == 3
    batches = Budget(seconds=60, max_count=1000)
    assert batches.take(600)
    assert not batches.take(600)
    with pytest.raises(ValueError, match="budget"):
        Budget(seconds=0, max_count=3)


def test_a_budget_ends_at_its_time() -> None:
    budget = Budget(seconds=1, max_count=100)
    budget.started -= 2  # as if it had started two seconds ago
    assert budget.expired
    assert not budget.take()


def test_cpu_between_samples_counts_new_processes_in_full_and_ended_ones_not_at_all() -> None:
    before = {"postgres": {(10, 1.0): 5.0, (11, 1.0): 2.0}}
    after = {"postgres": {(10, 1.0): 5.5, (12, 3.0): 0.25, (11, 9.0): 0.1}}
    # pid 11 was reused by a new process (a later start time): counted from zero.
    assert used_between(before, after) == {"postgres": pytest.approx(0.85)}
