"""Tokens for hostile subscriptions: a forged one (signature altered) and an expired one
(genuinely signed with the sandbox's key, as an operator could, but past its expiry)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def expired_token(customer_id: str, key: str, *, hours_ago: int = 2) -> str:
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": customer_id, "iat": now - hours_ago * 3600, "exp": now - 3600}
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def forged_token(genuine: str) -> str:
    """The same claims with a different signature: what a tampering client would send."""
    header, body, signature = genuine.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{header}.{body}.{flipped}{signature[1:]}"
