"""Customer Identity as the Storefront uses it (``storefront->identity`` link).

* ``POST /api/auth/login`` {email, password} -> 200 {customerId, token, expiresAt}; 401.
* ``GET /api/customers/{id}/addresses?type=Shipping`` -> [{id, type, nickname,
  displayLine, isDefault, isVerified}]: the default shipping address for a checkout.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel

from services.storefront.clients.base import Upstream, UpstreamFailed


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class LoginResult(_Body):
    customer_id: UUID
    token: str
    expires_at: datetime


class AddressSummary(_Body):
    id: UUID
    type: str
    nickname: str = ""
    is_default: bool = False


_ADDRESSES = TypeAdapter(list[AddressSummary])


class IdentityClient:
    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def login(self, email: str, password: str) -> LoginResult:
        body = {"email": email, "password": password}
        response = await self._upstream.call("POST", "/api/auth/login", json=body)
        self._upstream.expect(response, 200)
        return self._upstream.read(LoginResult, response)

    async def default_shipping_address(self, customer_id: UUID) -> UUID | None:
        """The customer's default shipping address, else the first one; None without any."""
        response = await self._upstream.call(
            "GET", f"/api/customers/{customer_id}/addresses", params={"type": "Shipping"}
        )
        self._upstream.expect(response, 200)
        try:
            addresses = _ADDRESSES.validate_json(response.body)
        except ValidationError:
            raise UpstreamFailed("identity sent an unreadable address list") from None
        chosen = next((a for a in addresses if a.is_default), None) or next(iter(addresses), None)
        return chosen.id if chosen is not None else None
