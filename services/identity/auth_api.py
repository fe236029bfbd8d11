"""``POST /api/auth/login``: trade an email and password for a signed customer token.

``{"email", "password"}`` -> 200 ``{"customerId", "token", "expiresAt"}`` or 401 with one
reason for both an unknown email and a wrong password (telling them apart would let anyone
probe which emails have accounts; an unknown email is even checked against a dummy hash so
both answers take as long). The token is ``services.kernel.auth``'s HS256 JWT; the
services that accept it verify it with the shared ``AUTH_SIGNING_KEY``.

Hashing runs on the event loop: at about 0.4 ms (see ``passwords``) it costs less than
handing the work to a thread would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from fastapi import APIRouter

from services.identity.api import StoreDep
from services.identity.config import TokenPolicy
from services.identity.models import LoginRequest, LoginResult
from services.identity.passwords import UNKNOWN_ACCOUNT_HASH, verify_password
from services.kernel.auth import issue_token
from services.kernel.errors import RequestRejected
from services.kernel.problems import problem_doc


class LoginFailed(RequestRejected):
    """401: no account has this email and password."""

    status_code: ClassVar[int] = 401
    title: ClassVar[str] = "Unauthorized"

    def __init__(self) -> None:
        super().__init__("the email or the password is wrong")


def login_router(tokens: TokenPolicy) -> APIRouter:
    """The login route, signing with ``tokens``."""
    router = APIRouter(prefix="/api/auth", tags=["auth"], responses=problem_doc(400, 503))

    @router.post("/login", responses=problem_doc(401))
    async def login(body: LoginRequest, store: StoreDep) -> LoginResult:
        credentials = await store.find_credentials(body.email)
        if credentials is None:
            verify_password(body.password, UNKNOWN_ACCOUNT_HASH)
            raise LoginFailed
        if not verify_password(body.password, credentials.password_hash):
            raise LoginFailed
        now = datetime.now(UTC)
        token = issue_token(credentials.customer_id, tokens.signing_key, now=now, ttl=tokens.ttl)
        # The token's exp is in whole seconds (floored); report the same instant.
        expires_at = (now + tokens.ttl).replace(microsecond=0)
        return LoginResult(customer_id=credentials.customer_id, token=token, expires_at=expires_at)

    return router
