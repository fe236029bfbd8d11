"""Snapshots of the live figures: which readings a run keeps, and the sampling thread."""

from __future__ import annotations

import threading

import httpx

from chaos.live_figures import LiveView, MetricSources, collect, samples
from chaos.metric_sampler import MetricSampler, Reading, RunWatch, pick_snapshots
from reports.model import FaultRecord

ORIGIN = 1000.0
SOURCES = MetricSources(
    queues_url="http://127.0.0.1:1/metrics/detailed",
    vhost="/critter",
    services=(("orders", "http://127.0.0.1:1/metrics"),),
)


def reading(at_s: float, inbox: float = 0, outbox: float = 0, *silent: str) -> Reading:
    view = LiveView(
        queues={"orders.inbox": {"messages": inbox, "consumers": 1}},
        services={"orders": {"outbox": outbox, "stuck_sagas": 0}},
        unreadable=list(silent),
    )
    return Reading(ORIGIN + at_s, view)


def fault(label: str, start: float | None, end: float | None, planned: float = 4) -> FaultRecord:
    return FaultRecord(
        label=label, kind="process", planned_at_s=start or 0, planned_duration_s=planned,
        started_at_s=start, ended_at_s=end, happened=start is not None,
    )  # fmt: skip


def test_each_fault_keeps_the_reading_nearest_its_middle_between_before_and_after() -> None:
    readings = [
        reading(1, inbox=2),
        reading(3, inbox=9),  # the broker restart's window: 2.5 .. 7.5, middle 5
        reading(5, 0, 4, "rabbitmq: ConnectError"),
        reading(7, inbox=1),
        reading(9, outbox=30),  # the pause's window: 8.5 .. 12.5 (planned 4 s, no end)
        reading(11, outbox=12),  # nearer the middle (10.5) than the deeper one before it
    ]
    timeline = [
        fault("restart rabbitmq", 2.5, 7.5),
        fault("pause payments", 8.5, None),
        fault("never happened", None, None),
    ]

    chosen = pick_snapshots(reading(-0.4), readings, reading(20), ORIGIN, timeline)

    assert [(s.label, s.at_s) for s in chosen] == [
        ("before", -0.4),
        ("during restart rabbitmq", 5.0),
        ("during pause payments", 11.0),
        ("after", 20.0),
    ]
    assert chosen[1].unreadable == ["rabbitmq: ConnectError"]
    assert chosen[2].services["orders"]["outbox"] == 12


def test_a_fault_quicker_than_the_interval_gets_the_first_reading_after_it_began() -> None:
    readings = [reading(1), reading(3, inbox=5), reading(5, inbox=50)]
    chosen = pick_snapshots(reading(0), readings, reading(9), ORIGIN, [fault("kill", 1.5, 2.0)])
    assert [(s.label, s.at_s) for s in chosen][1] == ("during kill", 3.0)


def test_a_run_without_faults_keeps_its_peak_and_equal_peaks_the_earliest() -> None:
    readings = [reading(1, inbox=3), reading(3, inbox=8), reading(5, inbox=8), reading(7)]
    chosen = pick_snapshots(reading(0), readings, reading(9), ORIGIN, [])
    assert [(s.label, s.at_s) for s in chosen] == [
        ("before", 0.0),
        ("peak of the workload", 3.0),
        ("after", 9.0),
    ]


def test_the_sampler_reads_until_stopped_and_leaves_no_thread() -> None:
    enough = threading.Event()
    calls: list[int] = []

    def read(_sources: MetricSources, _client: httpx.Client) -> LiveView:
        calls.append(1)
        if len(calls) >= 3:
            enough.set()
        return LiveView(queues={"orders.inbox": {"messages": float(len(calls))}})

    sampler = MetricSampler(SOURCES, interval_s=0.01, read=read)
    sampler.start()
    assert enough.wait(10), "the sampler did not read three times within 10 s"
    taken = sampler.stop()
    sampler.close()
    assert len(taken) >= 3
    assert [r.at for r in taken] == sorted(r.at for r in taken)
    assert not any(t.name == "metric-sampler" for t in threading.enumerate())


def test_a_watch_without_sources_does_nothing_and_keeps_no_snapshot() -> None:
    watch = RunWatch(None)
    watch.begin()
    watch.started(ORIGIN)
    watch.finish()
    watch.close()
    assert watch.snapshots([]) == []


def test_parts_that_do_not_answer_are_named_not_raised() -> None:
    view = collect(SOURCES, timeout_s=1)
    assert view.unreadable == ["rabbitmq: ConnectError", "orders: ConnectError"]
    assert view.backlog() == 0


def test_only_the_wanted_series_are_parsed() -> None:
    exposition = (
        "# TYPE messaging_outbox_depth gauge\n"
        "messaging_outbox_depth 4.0\n"
        'http_request_duration_seconds_bucket{le="0.1",route="/x"} 12.0\n'
        'messaging_outbox_depth_other{a="b"} 9.0\n'
        'orders_sagas_stuck{service="orders"} 2\n'
    )
    wanted = ("messaging_outbox_depth", "orders_sagas_stuck")
    assert samples(exposition, wanted) == [
        ("messaging_outbox_depth", {}, 4.0),
        ("orders_sagas_stuck", {"service": "orders"}, 2.0),
    ]
