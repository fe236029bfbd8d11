"""The ASGI entry of the Storefront process: SSE streams go straight to ``StreamService``.

Every other request (and the lifespan) goes to the FastAPI app. Streams skip FastAPI's
routing, dependency and middleware layers because those stay on the stack for the
whole life of a response: measured, they cost about 10 KB per idle stream, as much
as everything else together (docs/benchmarks.md). The same streams are also
reachable through FastAPI's own routes (``api_sse``), which document them in the
OpenAPI document and serve them when the app runs without this gateway (tests).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from services.storefront.sse.admission import is_stream_path
from services.storefront.sse.stream import StreamService


def stream_service(app: FastAPI) -> StreamService:
    """The stream service of the running app (set by the lifespan)."""
    service: Any = getattr(app.state, "streams", None)
    if not isinstance(service, StreamService):
        raise RuntimeError("the stream service exists only while the app's lifespan runs")
    return service


class StreamGateway:
    """``create_app`` returns this around the FastAPI app; ``app`` stays reachable."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_stream_path(scope["path"]):
            await stream_service(self.app).serve(scope, receive, send)
        else:
            await self.app(scope, receive, send)
