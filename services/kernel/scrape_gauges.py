"""Gauges a service computes with a database query, refreshed right before each scrape.

A service hands them to ``build_app(scrape_gauges=...)``; ``ServiceRuntime.refresh_gauges``
runs each one while the pool is set up, bounded in time. A refresh never fails the
scrape: on an error or timeout the gauges keep their last values (``service_dependency_up``
already says the database is down), and only the first failure of an outage is logged
as a warning, the rest at debug level, so a scrape every 15 s does not flood the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from services.kernel.db import Database
from services.kernel.logs import describe_error

log = logging.getLogger(__name__)

GaugeQuery = Callable[[Any], Awaitable[object]]
"""Sets some gauges from a query on the given asyncpg pool."""


class ScrapedGauges:
    """One ``GaugeQuery`` and whether its last refresh failed."""

    def __init__(self, name: str, query: GaugeQuery) -> None:
        self.name = name
        self._query = query
        self._failing = False

    async def refresh(self, database: Database, timeout_s: float) -> bool:
        """Run the query if the database is set up; True if the gauges were updated."""
        if not database.is_ready():
            return False
        try:
            async with asyncio.timeout(timeout_s):
                await self._query(database.pool)
        except Exception as exc:
            log.log(
                logging.DEBUG if self._failing else logging.WARNING,
                "%s not refreshed, keeping the last values: %s",
                self.name,
                describe_error(exc),
            )
            self._failing = True
            return False
        if self._failing:
            log.info("%s refreshed again", self.name)
        self._failing = False
        return True
