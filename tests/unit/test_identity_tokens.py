"""The customer token of ``services.kernel.auth`` (issued by Customer Identity)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from services.kernel.auth import (
    ExpiredToken,
    InvalidToken,
    bearer_token,
    issue_token,
    verify_token,
)
from tests.tokens import tampered

KEY = "test-signing-key-0123456789"
CUSTOMER = UUID("11111111-1111-1111-1111-111111111111")
NOW = datetime(2026, 3, 1, 12, 0, 0, 500_000, tzinfo=UTC)
TTL = timedelta(hours=12)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: object) -> str:
    return b64(json.dumps(value).encode())


def sign(header: object, claims: object, key: str = KEY) -> str:
    signing_input = f"{b64_json(header)}.{b64_json(claims)}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims_of(token: str) -> dict[str, object]:
    segment = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


def test_round_trip_gives_back_the_customer() -> None:
    token = issue_token(CUSTOMER, KEY, now=NOW, ttl=TTL)

    assert verify_token(token, KEY, now=NOW + TTL - timedelta(seconds=1)) == CUSTOMER
    assert claims_of(token) == {
        "sub": str(CUSTOMER),
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + TTL).timestamp()),
    }


def test_a_hand_made_hs256_token_is_accepted() -> None:
    # Interoperability: any correct HS256 JWT with our claims verifies.
    token = sign({"typ": "JWT", "alg": "HS256"}, {"sub": str(CUSTOMER), "exp": 2_000_000_000})

    assert verify_token(token, KEY, now=NOW) == CUSTOMER


def test_expired_at_exp_exactly() -> None:
    token = issue_token(CUSTOMER, KEY, now=NOW, ttl=TTL)
    exp = datetime.fromtimestamp(int((NOW + TTL).timestamp()), UTC)

    with pytest.raises(ExpiredToken):
        verify_token(token, KEY, now=exp)
    assert issubclass(ExpiredToken, InvalidToken)


def test_tampered_payload_is_refused() -> None:
    header, _claims, signature = issue_token(CUSTOMER, KEY, now=NOW, ttl=TTL).split(".")
    other = {"sub": "22222222-2222-2222-2222-222222222222", "iat": 0, "exp": 2_000_000_000}

    with pytest.raises(InvalidToken, match="signature"):
        verify_token(f"{header}.{b64_json(other)}.{signature}", KEY, now=NOW)


def test_wrong_key_is_refused() -> None:
    token = issue_token(CUSTOMER, "another-key", now=NOW, ttl=TTL)

    with pytest.raises(InvalidToken, match="signature") as refused:
        verify_token(token, KEY, now=NOW)
    assert not isinstance(refused.value, ExpiredToken)


@pytest.mark.parametrize(
    "header",
    [{"alg": "none", "typ": "JWT"}, {"alg": "HS512"}, {"alg": "hs256"}, {"typ": "JWT"}],
)
def test_other_algorithms_are_refused_even_when_signed(header: dict[str, str]) -> None:
    claims = {"sub": str(CUSTOMER), "exp": 2_000_000_000}
    unsigned = f"{b64_json(header)}.{b64_json(claims)}."

    for token in (unsigned, sign(header, claims)):
        with pytest.raises(InvalidToken, match="algorithm"):
            verify_token(token, KEY, now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.e30",
        "e30=.e30.AAAA",  # padded
        "WzFd.e30.e30",  # header is a JSON array
        "bm90IGpzb24.e30.e30",  # header is not JSON
        "x" * 5000,
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(token, KEY, now=NOW)


def test_a_second_spelling_of_the_signature_is_refused() -> None:
    token = issue_token(CUSTOMER, KEY, now=NOW, ttl=TTL)
    head, signature = token.rsplit(".", 1)
    # 32 bytes -> 43 characters whose last one carries 2 unused bits: flip one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(twin + "=") == base64.urlsafe_b64decode(signature + "=")

    with pytest.raises(InvalidToken, match="canonical"):
        verify_token(f"{head}.{twin}", KEY, now=NOW)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 2_000_000_000},
        {"sub": str(CUSTOMER)},
        {"sub": "alice", "exp": 2_000_000_000},
        {"sub": str(CUSTOMER), "exp": "2000000000"},
        {"sub": str(CUSTOMER), "exp": True},
        {"sub": str(CUSTOMER), "exp": 2e9},
    ],
)
def test_signed_but_malformed_claims_are_refused(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        verify_token(sign({"alg": "HS256"}, claims), KEY, now=NOW)


def test_programming_errors_are_not_token_errors() -> None:
    with pytest.raises(ValueError, match="timezone"):
        issue_token(CUSTOMER, KEY, now=datetime(2026, 1, 1), ttl=TTL)
    with pytest.raises(ValueError, match="positive"):
        issue_token(CUSTOMER, KEY, now=NOW, ttl=timedelta(0))
    with pytest.raises(ValueError, match="empty"):
        issue_token(CUSTOMER, "", now=NOW, ttl=TTL)


def test_bearer_header_parsing() -> None:
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer  abc ") == "abc"
    for bad in (None, "", "Bearer", "Bearer   ", "Basic abc", "abc"):
        with pytest.raises(InvalidToken):
            bearer_token(bad)


def test_invalid_token_answers_401() -> None:
    assert InvalidToken.status_code == 401


def test_the_tests_forgery_is_refused_for_every_signature() -> None:
    # Includes signatures whose tail is any fixed text a forgery might have written.
    for second in range(2000):
        token = issue_token(CUSTOMER, KEY, now=NOW + timedelta(seconds=second), ttl=TTL)
        with pytest.raises(InvalidToken, match="signature does not match"):
            verify_token(tampered(token), KEY, now=NOW)
