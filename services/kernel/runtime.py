"""What a running service holds while its lifespan is active, and how routes reach it.

``build_app``'s lifespan creates one ``ServiceRuntime`` per process and stores
it on ``app.state``; routes take it (or something derived from it) through the
``RuntimeDep`` dependency instead of importing globals.
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
from services.kernel.metrics import ServiceMetrics
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
    check_timeout_s: float = 1.5

    async def check_dependencies(self) -> dict[str, str]:
        """Probe database and broker concurrently; ``{"database": "ok", "broker": reason}``.

        Also updates the ``service_dependency_up`` gauges.
        """
        checks = await check_dependencies((self.database, self.broker), self.check_timeout_s)
        for name, outcome in checks.items():
            self.metrics.set_dependency_up(name, outcome == OK)
        return checks


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


def get_runtime(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the runtime of the app serving ``request``."""
    runtime = getattr(request.app.state, "runtime", None)
    if not isinstance(runtime, ServiceRuntime):
        raise RuntimeError("the service runtime exists only while the app's lifespan runs")
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
