"""``PostgresCheckoutStore``: checkouts on one asyncpg connection (the caller's transaction).

Items and the address are ``jsonb`` in camelCase (decimals as strings, via the
kernel's codec); ``lines_json`` and friends are shared with the order store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.contracts.messages import Address
from services.orders.checkout import Checkout, ShippingChoice
from services.orders.order import OrderLine

_CHECKOUT_COLUMNS = (
    "id, cart_id, customer_id, items, shipping_address, shipping_method, shipping_cost,"
    " payment_token, order_id, started_at, completed_at"
)
_CHECKOUT_VALUES = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11"


class PostgresCheckoutStore:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def open(self, checkout: Checkout) -> bool:
        inserted = await self._conn.fetchval(
            f"INSERT INTO checkouts ({_CHECKOUT_COLUMNS}, updated_at)"
            f" VALUES ({_CHECKOUT_VALUES}, $10) ON CONFLICT (id) DO NOTHING RETURNING true",
            *_checkout_row(checkout),
        )
        return bool(inserted)

    async def get(self, checkout_id: UUID, *, lock: bool = False) -> Checkout | None:
        suffix = " FOR UPDATE" if lock else ""
        row = await self._conn.fetchrow(
            f"SELECT {_CHECKOUT_COLUMNS} FROM checkouts WHERE id = $1{suffix}", checkout_id
        )
        return None if row is None else _checkout_from_row(row)

    async def save(self, checkout: Checkout) -> None:
        await self._conn.execute(
            f"UPDATE checkouts SET ({_CHECKOUT_COLUMNS}, updated_at) = ({_CHECKOUT_VALUES}, now())"
            " WHERE id = $1",
            *_checkout_row(checkout),
        )


def lines_json(lines: Sequence[OrderLine]) -> list[dict[str, object]]:
    return [{"sku": x.sku, "quantity": x.quantity, "unitPrice": x.unit_price} for x in lines]


def lines_from_json(value: list[dict[str, Any]]) -> tuple[OrderLine, ...]:
    return tuple(
        OrderLine(sku=x["sku"], quantity=int(x["quantity"]), unit_price=Decimal(x["unitPrice"]))
        for x in value
    )


def address_json(address: Address | None) -> dict[str, object] | None:
    return None if address is None else address.model_dump(by_alias=True)


def _checkout_row(checkout: Checkout) -> tuple[object, ...]:
    shipping = checkout.shipping
    return (
        checkout.id,
        checkout.cart_id,
        checkout.customer_id,
        lines_json(checkout.items),
        address_json(checkout.shipping_address),
        shipping.method if shipping else None,
        shipping.cost if shipping else None,
        checkout.payment_token,
        checkout.order_id,
        checkout.started_at,
        checkout.completed_at,
    )


def _checkout_from_row(row: Mapping[str, Any]) -> Checkout:
    address = row["shipping_address"]
    method = row["shipping_method"]
    return Checkout(
        id=row["id"],
        cart_id=row["cart_id"],
        customer_id=row["customer_id"],
        items=lines_from_json(row["items"]),
        started_at=row["started_at"],
        shipping_address=None if address is None else Address.model_validate(address),
        shipping=None if method is None else ShippingChoice(method, row["shipping_cost"]),
        payment_token=row["payment_token"],
        order_id=row["order_id"],
        completed_at=row["completed_at"],
    )
