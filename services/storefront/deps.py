"""FastAPI dependencies of the Storefront routes: the wiring, and the signed-in caller.

``main`` puts a ``StorefrontWiring`` on ``app.state.storefront`` (the token check and
the checkout deadline, known when the app is built) and the upstream clients on
``app.state.upstreams`` (opened by the lifespan). Tests may set either themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from services.kernel.auth import bearer_token
from services.storefront.checkout import Caller
from services.storefront.clients import Upstreams
from services.storefront.sse.admission import Authenticate


@dataclass(frozen=True)
class StorefrontWiring:
    authenticate: Authenticate
    checkout_deadline_s: float


def get_wiring(request: Request) -> StorefrontWiring:
    wiring: Any = getattr(request.app.state, "storefront", None)
    if not isinstance(wiring, StorefrontWiring):
        raise RuntimeError("the Storefront app was built without its wiring (see main)")
    return wiring


def get_upstreams(request: Request) -> Upstreams:
    upstreams: Any = getattr(request.app.state, "upstreams", None)
    if not isinstance(upstreams, Upstreams):
        raise RuntimeError("the upstream clients exist only while the app's lifespan runs")
    return upstreams


WiringDep = Annotated[StorefrontWiring, Depends(get_wiring)]
UpstreamsDep = Annotated[Upstreams, Depends(get_upstreams)]


def get_caller(
    wiring: WiringDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Caller:
    """The customer of the ``Authorization: Bearer`` token; 401 without a valid one."""
    token = bearer_token(authorization)
    return Caller(customer_id=wiring.authenticate(token), authorization=f"Bearer {token}")


CallerDep = Annotated[Caller, Depends(get_caller)]
