"""What every upstream client shares: one ``httpx.AsyncClient``, and the error mapping.

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
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from services.kernel.errors import (
    BadRequest,
    Conflict,
    DependencyUnavailable,
    NotFound,
    RequestRejected,
)
from services.kernel.logs import describe_error

log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)
_UNAVAILABLE = frozenset({429, 502, 503, 504})


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
    """One upstream service, reached through ``client`` (whose base URL is the service's)."""

    def __init__(self, name: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self._client = client

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; ``UpstreamUnavailable`` if no answer came."""
        try:
            return await self._client.request(
                method, path, json=json, params=params, headers=headers
            )
        except httpx.TimeoutException:
            raise UpstreamUnavailable(self.name, f"no answer to {method} {path} in time") from None
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(self.name, describe_error(exc)) from exc

    def expect(self, response: httpx.Response, *ok: int) -> None:
        """Raise the error ``response``'s status means unless it is one of ``ok``."""
        status = response.status_code
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

    def read(self, model: type[Model], response: httpx.Response) -> Model:
        """``response``'s JSON body as ``model``; ``UpstreamFailed`` if it does not fit."""
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning("%s sent an unreadable %s: %s", self.name, model.__name__, exc)
            raise UpstreamFailed(f"{self.name} sent an unreadable answer") from None


def _problem_detail(response: httpx.Response) -> str:
    """The ``detail`` of a problem+json body, else the start of the body."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return response.text[:200]
