"""Liveness and readiness endpoints shared by every service.

* ``GET /health/live``  -> 200 ``{"status": "live"}`` whenever the process serves HTTP.
* ``GET /health/ready`` -> 200 ``{"status": "ready", "checks": {"database": "ok",
  "broker": "ok"}}`` when ``SELECT 1`` succeeds through the pool (within about
  1 s) and the broker link is open; otherwise 503 with the same shape,
  ``"status": "not ready"`` and a short reason in place of ``"ok"`` for every
  failing check, e.g. ``"broker": "connecting: ConnectionRefusedError: ..."``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from services.kernel.runtime import OK, RuntimeDep


class Liveness(BaseModel):
    status: Literal["live"] = "live"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str]


def health_router() -> APIRouter:
    router = APIRouter(prefix="/health", tags=["operations"])

    @router.get("/live", summary="The process is serving HTTP")
    async def live() -> Liveness:
        return Liveness()

    @router.get(
        "/ready",
        summary="Database and broker are usable",
        responses={503: {"model": Readiness, "description": "A dependency is not usable"}},
    )
    async def ready(runtime: RuntimeDep, response: Response) -> Readiness:
        checks = await runtime.check_dependencies()
        if all(outcome == OK for outcome in checks.values()):
            return Readiness(status="ready", checks=checks)
        response.status_code = 503
        return Readiness(status="not ready", checks=checks)

    return router
