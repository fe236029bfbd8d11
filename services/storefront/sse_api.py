"""The SSE streams as FastAPI routes: for the OpenAPI document, and for running without
the gateway (``sse.gateway`` answers these paths first in the real process).

* ``GET /sse/storefront``: the caller's own events (``text/event-stream``);
* ``GET /sse/storefront/customers/{customerId}``: the same, 403 for another customer.

Token in ``Authorization: Bearer`` or ``?access_token=``; ``Last-Event-ID`` (or
``?lastEventId=``) replays what a reconnecting client missed. Events: ``cart-updated``,
``order-status-changed``, ``shipment-status-changed`` (see ``services.storefront.domain``);
a ``: keep-alive`` comment after 15 s of silence.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.types import Receive, Scope, Send

from services.kernel.problems import problem_doc
from services.storefront.sse.gateway import stream_service

router = APIRouter(tags=["live events"], responses=problem_doc(400, 401, 403, 503))

_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "The event stream"}
}


class _StreamResponse(Response):
    """Hands the whole exchange to the stream service (which checks the token itself)."""

    def __init__(self, request: Request) -> None:
        super().__init__(media_type="text/event-stream")
        self._request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await stream_service(self._request.app).serve(scope, receive, send)


@router.get("/sse/storefront", response_class=Response, responses=_STREAM_DOC)
async def own_stream(request: Request) -> Response:
    """The signed-in customer's live events."""
    return _StreamResponse(request)


@router.get(
    "/sse/storefront/customers/{customer_id}", response_class=Response, responses=_STREAM_DOC
)
async def customer_stream(customer_id: UUID, request: Request) -> Response:
    """The live events of ``customerId``, who must be the signed-in customer."""
    return _StreamResponse(request)
