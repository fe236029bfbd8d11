"""What every upstream client shares: one ``Sender`` (``services.kernel.http_client``),
and the error mapping.

The Storefront composes other services' answers, so their failures must reach the
shopper as a reason naming the service, never as a 500:

* no answer (refused, reset, timed out) or a 503/502/504/429 -> ``UpstreamUnavailable``:
  503 with ``Retry-After``, e.g. ``shopping unavailable: ConnectError: ...``;
* a 400/401/403/404/409 -> the same status, with the upstream's own detail prefixed
  by its name (``shopping: cart has no line for SKU ...``): the shopper's request was
  refused there, and says why;
* any other status, or a body that does not parse -> ``UpstreamFailed``: 502.

The exceptions derive from the kernel's tree, so ``services.kernel.problems`` renders
them as problem+json without code in the routes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

from services.kernel.errors import (
    BadRequest,
    Conflict,
    DependencyUnavailable,
    NotFound,
    RequestRejected,
)
from services.kernel.http_client import NoAnswer, Params, Reply, Sender

log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)
_UNAVAILABLE = frozenset({429, 502, 503, 504})
NO_ANSWER = "no-answer"
# Told of every call: the upstream's name and the status answered, or ``NO_ANSWER``.
CallObserver = Callable[[str, str], None]


class UpstreamUnavailable(DependencyUnavailable):
    """An upstream service did not answer usably; the client may retry (503)."""

    dependency = "upstream"

    def __init__(self, upstream: str, reason: str) -> None:
        super().__init__(reason)
        self.upstream = upstream
        self.args = (f"{upstream} unavailable: {reason}",)


class UpstreamFailed(RequestRejected):
    """502: an upstream service answered something this service cannot use."""

    status_code: ClassVar[int] = 502
    title: ClassVar[str] = "Bad Gateway"


class UpstreamUnauthorized(RequestRejected):
    status_code: ClassVar[int] = 401
    title: ClassVar[str] = "Unauthorized"


class UpstreamForbidden(RequestRejected):
    status_code: ClassVar[int] = 403
    title: ClassVar[str] = "Forbidden"


_RELAYED: dict[int, type[RequestRejected]] = {
    400: BadRequest,
    401: UpstreamUnauthorized,
    403: UpstreamForbidden,
    404: NotFound,
    409: Conflict,
}


class Upstream:
    """One upstream service, reached through ``sender`` (bound to the service's base URL)."""

    def __init__(self, name: str, sender: Sender, *, observe: CallObserver | None = None) -> None:
        self.name = name
        self._sender = sender
        self._observe = observe

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request; ``UpstreamUnavailable`` if no answer came."""
        try:
            reply = await self._sender.send(method, path, json=json, params=params, headers=headers)
        except NoAnswer as exc:
            if self._observe is not None:
                self._observe(self.name, NO_ANSWER)
            raise UpstreamUnavailable(self.name, exc.reason) from exc
        if self._observe is not None:
            self._observe(self.name, str(reply.status))
        return reply

    def expect(self, response: Reply, *ok: int) -> None:
        """Raise the error ``response``'s status means unless it is one of ``ok``."""
        status = response.status
        if status in ok:
            return
        detail = _problem_detail(response)
        if status in _UNAVAILABLE:
            raise UpstreamUnavailable(self.name, f"answered {status}: {detail}")
        relayed = _RELAYED.get(status)
        if relayed is not None:
            raise relayed(f"{self.name}: {detail}")
        log.warning("%s answered %s: %s", self.name, status, response.text[:300])
        raise UpstreamFailed(f"{self.name} answered {status}: {detail}")

    def read(self, model: type[Model], response: Reply) -> Model:
        """``response``'s JSON body as ``model``; ``UpstreamFailed`` if it does not fit."""
        try:
            return model.model_validate_json(response.body)
        except ValidationError as exc:
            log.warning("%s sent an unreadable %s: %s", self.name, model.__name__, exc)
            raise UpstreamFailed(f"{self.name} sent an unreadable answer") from None


def _problem_detail(response: Reply) -> str:
    """The ``detail`` of a problem+json body, else the start of the body."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return response.text[:200]
