"""Forged tokens for tests that must see a forgery refused."""

from __future__ import annotations

import string

_BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def tampered(token: str) -> str:
    """``token`` with one bit of its signature's first character flipped.

    All six bits of that character count, so the result is never the genuine
    token; overwriting the tail with fixed text equals it now and then (a unit
    test once failed because a signature happened to end in the text it wrote).
    """
    head, signature = token.rsplit(".", 1)
    flipped = _BASE64URL[_BASE64URL.index(signature[0]) ^ 1]
    return f"{head}.{flipped}{signature[1:]}"
