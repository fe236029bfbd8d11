"""How many orders are in each saga status, and how many are stuck: read before a scrape.

One ``GROUP BY status`` query per scrape. An order is *stuck* when its saga has not moved
for longer than the stuck threshold (``ORDER_SAGA_STUCK_SECONDS``, by default the saga
timeout) although it still waits for an answer: short of Confirmed, or cancelled with a
stock release or payment void not yet answered. ``updated_at`` marks the saga's last
step, so an order waiting on a paused participant counts once the threshold has passed.

With the default threshold the deadline watch cancels a waiting order before it counts
(its deadline runs from placement, which precedes its last step), so what remains is a
saga no deadline can end: commit and capture requested but never answered, an unanswered
compensation, or a deadline watch that is not running.
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
SELECT status, count(*) AS orders,
       count(*) FILTER (
           WHERE updated_at <= now() - $1::interval
             AND (status = ANY($2::text[])
                  OR (status = $3 AND ((is_release_requested AND NOT is_inventory_released)
                                       OR (is_void_requested AND NOT is_payment_voided))))
       ) AS stuck
FROM orders GROUP BY status
"""

CENSUS_STATUSES = ([status.value for status in AWAITING_STATUSES], OrderStatus.CANCELLED.value)
"""The parameters after the threshold: the waiting statuses, and Cancelled."""


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
        stuck += int(row["stuck"])
    return SagaCensus(by_status=by_status, stuck=stuck)


async def read_census(connection: Any, stuck_after: timedelta) -> SagaCensus:
    """Run ``CENSUS`` on an asyncpg connection (or pool)."""
    return census_of(await connection.fetch(CENSUS, stuck_after, *CENSUS_STATUSES))


def saga_census_gauges(metrics: OrdersMetrics, stuck_after: timedelta) -> ScrapedGauges:
    """The ``orders_sagas`` and ``orders_sagas_stuck`` gauges, for ``build_app``."""

    async def refresh(pool: Any) -> None:
        async with pool.acquire() as connection:
            census = await read_census(connection, stuck_after)
        metrics.record_census(census.by_status, census.stuck)

    return ScrapedGauges("order saga census", refresh)
