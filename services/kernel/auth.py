"""Customer tokens: a compact HS256 JSON Web Token, written out with hmac/hashlib/base64.

Customer Identity issues a token at login; every service that needs the caller's identity
(the Storefront's SSE stream first of all) checks it with the same shared signing key
(``AUTH_SIGNING_KEY``, ``ServiceSettings.auth_signing_key``)::

    token = issue_token(customer_id, key, now=now, ttl=timedelta(hours=12))
    customer_id = verify_token(token, key, now=now)   # or InvalidToken / ExpiredToken

Format (RFC 7519 subset): ``base64url(header) "." base64url(claims) "." base64url(sig)``,
unpadded; header ``{"alg": "HS256", "typ": "JWT"}``; claims ``sub`` (the customer id),
``iat`` and ``exp`` (whole seconds since the epoch); ``sig`` = HMAC-SHA256 of the first
two segments. Verification is deliberately narrow, because every freedom a verifier
grants is a way to forge:

* only ``HS256`` is accepted; ``alg: none`` or any other algorithm is refused before the
  signature is even looked at (the classic "alg=none" forgery);
* segments must be canonical unpadded base64url (re-encoding the decoded bytes gives the
  same text), so one token has exactly one spelling;
* the signature is compared with ``hmac.compare_digest`` (constant time);
* claims are read only after the signature matched, and must have the exact types above.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar
from uuid import UUID

from services.kernel.errors import RequestRejected

ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 2048  # ours are about 200 characters; bounds the work spent on junk

_HEADER = {"alg": ALGORITHM, "typ": "JWT"}


class InvalidToken(RequestRejected):
    """The token is malformed, uses another algorithm, or its signature does not match.

    A ``RequestRejected`` answering 401, so a route may simply let it propagate.
    """

    status_code: ClassVar[int] = 401
    title: ClassVar[str] = "Unauthorized"


class ExpiredToken(InvalidToken):
    """The token was genuine but its ``exp`` has passed."""


def issue_token(customer_id: UUID, key: str, *, now: datetime, ttl: timedelta) -> str:
    """A token for ``customer_id``, valid from ``now`` for ``ttl`` (whole seconds, floored)."""
    if ttl <= timedelta(0):
        raise ValueError("a token's ttl must be positive")
    claims = {
        "sub": str(customer_id),
        "iat": _epoch_seconds(now),
        "exp": _epoch_seconds(now + ttl),
    }
    signing_input = f"{_encode_json(_HEADER)}.{_encode_json(claims)}"
    return f"{signing_input}.{_b64encode(_sign(signing_input, key))}"


def verify_token(token: str, key: str, *, now: datetime) -> UUID:
    """The customer id of a genuine, unexpired ``token``; see the module docstring.

    Raises ExpiredToken once ``now`` reaches ``exp``, InvalidToken for anything else wrong.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("token is too long")
    segments = token.split(".")
    if len(segments) != 3:
        raise InvalidToken("token must have three dot-separated segments")
    header_segment, claims_segment, signature_segment = segments
    header = _decode_json(header_segment, "header")
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"token algorithm must be {ALGORITHM}")
    expected = _sign(f"{header_segment}.{claims_segment}", key)
    if not hmac.compare_digest(expected, _b64decode(signature_segment, "signature")):
        raise InvalidToken("token signature does not match")
    claims = _decode_json(claims_segment, "claims")
    subject, expires = claims.get("sub"), claims.get("exp")
    if not isinstance(subject, str) or type(expires) is not int:
        raise InvalidToken("token claims must include sub (a string) and exp (an integer)")
    try:
        customer_id = UUID(subject)
    except ValueError:
        raise InvalidToken("token subject is not a customer id") from None
    if _epoch_seconds(now) >= expires:
        raise ExpiredToken("token has expired")
    return customer_id


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value; InvalidToken otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("expected an 'Authorization: Bearer <token>' header")
    return token.strip()


def _sign(signing_input: str, key: str) -> bytes:
    if not key:
        raise ValueError("the signing key must not be empty")
    return hmac.new(key.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()


def _epoch_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("token times must be timezone-aware")
    return int(moment.timestamp())


def _encode_json(value: Mapping[str, object]) -> str:
    return _b64encode(json.dumps(value, separators=(",", ":")).encode())


def _decode_json(segment: str, what: str) -> dict[str, object]:
    try:
        value = json.loads(_b64decode(segment, what))
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        raise InvalidToken(f"token {what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidToken(f"token {what} is not a JSON object")
    return value


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(segment: str, what: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken(f"token {what} is not base64url") from None
    # The decoder skips foreign characters and ignores stray bits; insist on the one spelling.
    if _b64encode(data) != segment:
        raise InvalidToken(f"token {what} is not canonical base64url")
    return data
