"""Who may open which stream: the checks made before a stream starts (pure).

* ``GET /sse/storefront``: the caller's own stream.
* ``GET /sse/storefront/customers/{customerId}``: allowed only when ``customerId`` is
  the caller's own id (403 otherwise); kept for clients that name the stream.

The caller is ALWAYS the customer of the token (never a query parameter): from
``Authorization: Bearer <token>`` or, because EventSource cannot set headers, from an
``access_token`` query parameter. No token, or a forged or expired one: 401. A
reconnecting client names the last event it saw in ``Last-Event-ID`` (or
``lastEventId`` in the query, for clients that cannot set headers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qs
from uuid import UUID

from services.kernel.auth import InvalidToken, bearer_token
from services.kernel.errors import BadRequest, NotFound, RequestRejected
from services.storefront.sse.framing import parse_last_event_id

STREAM_PATH = "/sse/storefront"
CUSTOMER_STREAMS = STREAM_PATH + "/customers/"

Authenticate = Callable[[str], UUID]
"""Token -> customer id; raises ``InvalidToken`` (401)."""


class NotYourStream(RequestRejected):
    """403: the stream of another customer was asked for."""

    status_code: ClassVar[int] = 403
    title: ClassVar[str] = "Forbidden"


class MethodNotAllowed(RequestRejected):
    status_code: ClassVar[int] = 405
    title: ClassVar[str] = "Method Not Allowed"


@dataclass(frozen=True)
class StreamRequest:
    customer_id: UUID
    last_event_id: int | None


def is_stream_path(path: str) -> bool:
    return path == STREAM_PATH or path.startswith(CUSTOMER_STREAMS)


def admit(
    method: str,
    path: str,
    headers: Iterable[tuple[bytes, bytes]],
    query_string: bytes,
    authenticate: Authenticate,
) -> StreamRequest:
    """The stream this request may open, or the ``RequestRejected`` saying why not."""
    if method != "GET":
        raise MethodNotAllowed(f"{path} supports GET only")
    named = _named_customer(path)
    header = _headers(headers)
    query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
    token = _token(header.get("authorization"), query.get("access_token"))
    customer_id = authenticate(token)
    if named is not None and named != customer_id:
        raise NotYourStream("this stream belongs to another customer")
    raw_last_id = header.get("last-event-id") or _first(query.get("lastEventId"))
    return StreamRequest(customer_id, parse_last_event_id(raw_last_id))


def _named_customer(path: str) -> UUID | None:
    if path == STREAM_PATH:
        return None
    if not path.startswith(CUSTOMER_STREAMS):
        raise NotFound(f"no stream at {path}")
    raw = path[len(CUSTOMER_STREAMS) :].rstrip("/")
    try:
        return UUID(raw)
    except ValueError:
        raise BadRequest("the customer id in the path is not a UUID") from None


def _headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    wanted = {b"authorization", b"last-event-id"}
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in headers
        if name.lower() in wanted
    }


def _token(authorization: str | None, query_tokens: list[str] | None) -> str:
    if authorization is not None:
        return bearer_token(authorization)
    token = _first(query_tokens)
    if not token:
        raise InvalidToken("sign in: send 'Authorization: Bearer <token>' or ?access_token=")
    return token


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
