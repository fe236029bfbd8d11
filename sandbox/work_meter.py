"""Count the work the system did during a run: messages, transactions, HTTP handlings.

Work per order is what the bare-client ceiling (``sandbox bench infra``) is multiplied by,
so the counts come from the parts themselves, not from what the code is believed to do:

* messages published and delivered: RabbitMQ's own totals (management API overview);
* transactions committed: ``pg_stat_database.xact_commit`` of every service database;
* HTTP requests handled: the sum of every service process's ``http_requests_total``, less
  the scrapes of ``/metrics`` (Prometheus and the run's own snapshots are not an order's
  work). The scrapes' read-only queries do count as transactions: about one per service
  every 2 s, around 1 % of a load test's total.

A snapshot before and one after give the run's counts; a part that cannot be read gives
None, so a figure is missing rather than wrong.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from chaos.target import Target

_OVERVIEW_TIMEOUT_S = 10.0
_HTTP_SERIES = "http_requests_total{"
_SCRAPES = 'route="/metrics"'


@dataclass(frozen=True)
class WorkCounts:
    published: float | None
    delivered: float | None
    transactions: float | None
    http_requests: float | None

    def minus(self, earlier: WorkCounts) -> WorkCounts:
        return WorkCounts(
            published=_difference(self.published, earlier.published),
            delivered=_difference(self.delivered, earlier.delivered),
            transactions=_difference(self.transactions, earlier.transactions),
            http_requests=_difference(self.http_requests, earlier.http_requests),
        )

    def per(self, orders: int) -> dict[str, float | None]:
        """Each count divided by ``orders`` (None when either is unknown)."""
        return {
            name: None if value is None or orders <= 0 else round(value / orders, 2)
            for name, value in vars(self).items()
        }


def _difference(later: float | None, earlier: float | None) -> float | None:
    return None if later is None or earlier is None else later - earlier


def snapshot(target: Target, service_urls: list[str]) -> WorkCounts:
    published, delivered = broker_totals(target)
    return WorkCounts(
        published=published,
        delivered=delivered,
        transactions=committed_transactions(target),
        http_requests=http_requests_handled(service_urls),
    )


def broker_overview(target: Target) -> dict[str, Any] | None:
    """RabbitMQ's management overview (totals, versions), or None when it cannot be read."""
    try:
        answer = httpx.get(
            f"{target.management_url}/api/overview",
            auth=target.management_auth,
            timeout=_OVERVIEW_TIMEOUT_S,
        )
        answer.raise_for_status()
        overview = answer.json()
    except (httpx.HTTPError, ValueError):
        return None
    return overview if isinstance(overview, dict) else None


def broker_totals(target: Target) -> tuple[float | None, float | None]:
    """Messages published and delivered (get or consume) since the broker started."""
    overview = broker_overview(target)
    if overview is None:
        return None, None
    stats = overview.get("message_stats", {})
    return float(stats.get("publish", 0)), float(stats.get("deliver_get", 0))


def committed_transactions(target: Target) -> float | None:
    """Transactions committed in every service database (PostgreSQL's own counter)."""
    total = 0.0
    for dsn in target.databases.values():
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
                row = connection.execute(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
        except psycopg.Error:
            return None
        total += float(row[0]) if row else 0.0
    # This reader's own connection commits one transaction per database, as does the
    # one before the run; they cancel out in a difference.
    return total


def http_requests_handled(service_urls: list[str]) -> float | None:
    """The sum of ``http_requests_total`` over the services at ``service_urls``."""
    total = 0.0
    for url in service_urls:
        try:
            text = httpx.get(f"{url}/metrics", timeout=_OVERVIEW_TIMEOUT_S).text
        except httpx.HTTPError:
            return None
        total += sum_series(text, _HTTP_SERIES, without=_SCRAPES)
    return total


def sum_series(exposition: str, prefix: str, without: str | None = None) -> float:
    """The sum of every sample in a Prometheus text exposition whose line starts with
    ``prefix``, leaving out the lines that contain ``without``."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith(prefix) and not (without and without in line):
            with contextlib.suppress(ValueError, IndexError):
                total += float(line.rsplit(" ", 1)[1])
    return total
