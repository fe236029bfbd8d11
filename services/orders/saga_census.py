"""How many orders are in each saga status, and how many are stuck: read before a scrape.

One ``GROUP BY status`` query per scrape. An order is *stuck* when it is still short
of Confirmed (a status of ``AWAITING_STATUSES``) although it was placed longer than the
saga timeout ago. The deadline watch cancels most of those within one sweep, so a
short blip is normal; a lasting count means the saga does not move (commit and capture
were requested but never answered, or the watch itself is not running).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.kernel.scrape_gauges import ScrapedGauges
from services.orders.metrics import OrdersMetrics
from services.orders.order import AWAITING_STATUSES, OrderStatus

# The database clock decides the age, as it does for the deadline watch's own scan.
CENSUS = """
SELECT status, count(*) AS orders, count(*) FILTER (WHERE placed_at <= now() - $1::interval)
       AS overdue
FROM orders GROUP BY status
"""


@dataclass(frozen=True)
class SagaCensus:
    by_status: Mapping[OrderStatus, int]
    stuck: int


def census_of(rows: Iterable[Mapping[str, Any]]) -> SagaCensus:
    """Fold the rows of ``CENSUS``; a status this code does not know is left out."""
    by_status: dict[OrderStatus, int] = {}
    stuck = 0
    for row in rows:
        try:
            status = OrderStatus(row["status"])
        except ValueError:
            continue
        by_status[status] = int(row["orders"])
        if status in AWAITING_STATUSES:
            stuck += int(row["overdue"])
    return SagaCensus(by_status=by_status, stuck=stuck)


def saga_census_gauges(metrics: OrdersMetrics, saga_timeout: timedelta) -> ScrapedGauges:
    """The ``orders_sagas`` and ``orders_sagas_stuck`` gauges, for ``build_app``."""

    async def refresh(pool: Any) -> None:
        async with pool.acquire() as connection:
            rows = await connection.fetch(CENSUS, saga_timeout)
        census = census_of(rows)
        metrics.record_census(census.by_status, census.stuck)

    return ScrapedGauges("order saga census", refresh)
