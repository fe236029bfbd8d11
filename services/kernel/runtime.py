"""What a running service holds while its lifespan is active, and how routes reach it.

``build_app``'s lifespan creates one ``ServiceRuntime`` per process and stores
it on ``app.state``; routes take it (or something derived from it) through the
``RuntimeDep`` dependency instead of importing globals; ``MessagingDep`` gives
the service's ``Messaging`` directly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request

from services.kernel.bus import Broker
from services.kernel.db import Database
from services.kernel.errors import DependencyUnavailable
from services.kernel.logs import describe_error
from services.kernel.messaging import Messaging
from services.kernel.metrics import ServiceMetrics
from services.kernel.scrape_gauges import ScrapedGauges
from services.kernel.settings import ServiceSettings

log = logging.getLogger(__name__)

OK = "ok"
"""The outcome of a passing dependency check; anything else is a failure reason."""


class DependencyProbe(Protocol):
    """Something readiness depends on: raises DependencyUnavailable when not usable."""

    @property
    def name(self) -> str: ...

    async def probe(self) -> None: ...


@dataclass(frozen=True)
class ServiceRuntime:
    """The collaborators of one service process, built in the lifespan."""

    settings: ServiceSettings
    metrics: ServiceMetrics
    database: Database
    broker: Broker
    optional_messaging: Messaging | None = None
    scrape_gauges: tuple[ScrapedGauges, ...] = ()
    check_timeout_s: float = 1.5

    @property
    def messaging(self) -> Messaging:
        """The service's messaging; raises if ``build_app`` was given none."""
        if self.optional_messaging is None:
            raise RuntimeError(f"{self.settings.service_name} was built without messaging=")
        return self.optional_messaging

    def probes(self) -> tuple[DependencyProbe, ...]:
        """What readiness checks: database, broker and, for a consuming service, its consumer."""
        messaging = self.optional_messaging
        if messaging is not None and messaging.subscriptions:
            return (self.database, self.broker, messaging)
        return (self.database, self.broker)

    async def check_dependencies(self) -> dict[str, str]:
        """Probe every dependency concurrently; ``{"database": "ok", "broker": reason, ...}``.

        Also updates the ``service_dependency_up`` gauges.
        """
        checks = await check_dependencies(self.probes(), self.check_timeout_s)
        for name, outcome in checks.items():
            self.metrics.set_dependency_up(name, outcome == OK)
        return checks

    async def refresh_gauges(self) -> None:
        """Before a scrape: dependency gauges, the outbox backlog if it can be read, and
        the service's own ``scrape_gauges``."""
        await self.check_dependencies()
        if self.optional_messaging is not None and self.database.is_ready():
            try:
                async with asyncio.timeout(self.check_timeout_s):
                    await self.optional_messaging.outbox_backlog()
            except Exception as exc:  # a scrape must not fail because one gauge is stale
                log.debug("outbox backlog not refreshed: %s", describe_error(exc))
        for gauges in self.scrape_gauges:
            await gauges.refresh(self.database, self.check_timeout_s)


async def check_dependencies(probes: Sequence[DependencyProbe], timeout_s: float) -> dict[str, str]:
    """Run every probe concurrently, each bounded by ``timeout_s``; map name -> outcome."""
    outcomes = await asyncio.gather(*(_check(probe, timeout_s) for probe in probes))
    return {probe.name: outcome for probe, outcome in zip(probes, outcomes, strict=True)}


async def _check(probe: DependencyProbe, timeout_s: float) -> str:
    try:
        async with asyncio.timeout(timeout_s):
            await probe.probe()
    except DependencyUnavailable as exc:
        return exc.reason
    except TimeoutError:
        return f"no answer within {timeout_s:g} s"
    except Exception as exc:
        log.warning("%s probe failed unexpectedly", probe.name, exc_info=True)
        return describe_error(exc)
    return OK


def runtime_of(request: Request) -> ServiceRuntime:
    """The runtime of the app serving ``request``."""
    runtime = getattr(request.app.state, "runtime", None)
    if not isinstance(runtime, ServiceRuntime):
        raise RuntimeError("the service runtime exists only while the app's lifespan runs")
    return runtime


# The dependencies are coroutines on purpose: FastAPI runs a plain ``def`` dependency in its
# thread pool, which would cost a thread hand-off on every request for an attribute lookup.
async def get_runtime(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the runtime of the app serving ``request``."""
    return runtime_of(request)


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_messaging(request: Request) -> Messaging:
    """FastAPI dependency: the ``Messaging`` of the app serving ``request``."""
    return runtime_of(request).messaging


MessagingDep = Annotated[Messaging, Depends(get_messaging)]
