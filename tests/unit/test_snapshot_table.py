"""The live-figure snapshots as a table, and in the HTML and Markdown reports."""

from __future__ import annotations

from reports.html_report import render_html
from reports.markdown_report import render_markdown
from reports.model import MetricSnapshot, RunResult
from reports.snapshot_table import snapshot_table

QUEUES = {
    "orders.inbox": {"messages": 0.0, "consumers": 1.0},
    "orders.dead-letter": {"messages": 0.0, "consumers": 0.0},
    "payments.inbox": {"messages": 0.0, "consumers": 1.0},
}
SERVICES = {
    "orders": {"outbox": 0.0, "outbox_age_s": 0.0, "stuck_sagas": 0.0},
    "storefront": {"outbox": 0.0, "outbox_age_s": 0.0, "sse_streams": 15.0},
}


def moment(label: str, at_s: float, **queue_figures: dict[str, float]) -> MetricSnapshot:
    """The quiet figures above, with some queues' figures replaced."""
    queues = {name: {**figures, **queue_figures.get(name, {})} for name, figures in QUEUES.items()}
    return MetricSnapshot(label=label, at_s=at_s, queues=queues, services=SERVICES)


SNAPSHOTS = [
    moment("before", -0.3),
    MetricSnapshot(
        label="during restart rabbitmq",
        at_s=4.2,
        services={
            "orders": {"outbox": 37.0, "outbox_age_s": 3.5, "stuck_sagas": 0.0},
            "storefront": {"outbox": 2.0, "outbox_age_s": 1.0, "sse_streams": 15.0},
        },
        unreadable=["rabbitmq: ConnectError"],
    ),
    moment("during pause payments", 12.0, **{"payments.inbox": {"messages": 41, "consumers": 0}}),
    moment("after", 30.5, **{"orders.dead-letter": {"messages": 1}}),
]


def rows_of(snapshots: list[MetricSnapshot]) -> dict[str, list[str]]:
    table = snapshot_table(snapshots)
    assert table is not None
    return {row[0]: row[1:] for row in table.rows}


def test_totals_per_moment_with_unknown_where_the_part_did_not_answer() -> None:
    table = snapshot_table(SNAPSHOTS)
    assert table is not None
    assert table.header == [
        "figure",
        "before (-0.3 s)",
        "during restart rabbitmq (+4.2 s)",
        "during pause payments (+12.0 s)",
        "after (+30.5 s)",
    ]
    rows = rows_of(SNAPSHOTS)
    assert rows["messages in inboxes"] == ["0", "?", "41", "0"]  # the broker was down: unknown
    assert rows["dead letters"] == ["0", "?", "0", "1"]
    assert rows["inboxes without a consumer"] == ["0", "?", "1", "0"]
    assert rows["outbox rows"] == ["0", "39", "0", "0"]
    assert rows["oldest outbox row"] == ["0.0 s", "3.5 s", "0.0 s", "0.0 s"]
    assert rows["SSE streams"] == ["15", "15", "15", "15"]
    assert rows["parts not answering"] == ["-", "rabbitmq: ConnectError", "-", "-"]


def test_only_queues_and_outboxes_that_held_something_get_a_row() -> None:
    rows = rows_of(SNAPSHOTS)
    assert [name for name in rows if name.startswith("messages in ")][1:] == [
        "messages in orders.dead-letter",
        "messages in payments.inbox",
    ]
    assert rows["messages in payments.inbox"] == ["0", "?", "41", "0"]
    assert rows["outbox rows of orders"] == ["0", "37", "0", "0"]
    assert "messages in orders.inbox" not in rows


def test_a_run_without_snapshots_has_no_table() -> None:
    assert snapshot_table([]) is None


def result(snapshots: list[MetricSnapshot]) -> RunResult:
    return RunResult(
        scenario="broker-restart", description="restart", seed=1,
        started_at="2026-11-28T10:00:00+00:00", finished_at="2026-11-28T10:00:40+00:00",
        snapshots=snapshots,
    )  # fmt: skip


def test_both_reports_show_the_snapshots_and_omit_the_section_without_them() -> None:
    html = render_html([("run.json", result(SNAPSHOTS))])
    assert "Live figures before, during and after" in html
    assert "<th>during restart rabbitmq (+4.2 s)</th>" in html
    markdown = render_markdown([("run.json", result(SNAPSHOTS))])
    assert "| outbox rows | 0 | 39 | 0 | 0 |" in markdown
    assert "Live figures" not in render_html([("run.json", result([]))])
    assert "Live figures" not in render_markdown([("run.json", result([]))])
