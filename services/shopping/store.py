"""SQL of the Shopping service (asyncpg): carts and their lines.

Every function takes the connection to run on, so the cart service decides the
transaction: a change locks the cart row (``FOR UPDATE``), writes only what the
domain changed and records its integration message in the same transaction.
Reading a cart is one round trip: its lines come back as a JSON array, with
prices as text so they stay exact decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.shopping.domain import Cart, CartLine, CartNotFound, CartStatus

_SELECT_CART = """
SELECT c.cart_id, c.customer_id, c.session_id, c.status, c.checkout_id, c.clear_reason,
       (SELECT coalesce(json_agg(json_build_object(
                   'sku', i.sku, 'quantity', i.quantity, 'unitPrice', i.unit_price::text)
                   ORDER BY i.added_at, i.sku), '[]')
        FROM cart_items i WHERE i.cart_id = c.cart_id) AS lines
FROM carts c
"""

# The partial unique index makes this a get-or-create for a customer's active cart.
_INSERT_CART = """
INSERT INTO carts (cart_id, customer_id, session_id) VALUES ($1, $2, $3)
ON CONFLICT (customer_id) WHERE status = 'Active' AND customer_id IS NOT NULL DO NOTHING
RETURNING cart_id
"""

_ACTIVE_CART_OF = "SELECT cart_id FROM carts WHERE customer_id = $1 AND status = 'Active'"


async def insert_cart(
    conn: Any, cart_id: UUID, customer_id: UUID | None, session_id: str | None
) -> UUID | None:
    """Insert a new active cart; None if the customer already has one."""
    inserted: UUID | None = await conn.fetchval(_INSERT_CART, cart_id, customer_id, session_id)
    return inserted


async def active_cart_id(conn: Any, customer_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval(_ACTIVE_CART_OF, customer_id)
    return found


async def load_cart(conn: Any, cart_id: UUID, *, lock: bool = False) -> Cart:
    """The cart with its lines; raises CartNotFound. ``lock`` takes the row lock
    that serialises changes to one cart."""
    suffix = " WHERE c.cart_id = $1 FOR UPDATE OF c" if lock else " WHERE c.cart_id = $1"
    row = await conn.fetchrow(_SELECT_CART + suffix, cart_id)
    if row is None:
        raise CartNotFound(f"cart {cart_id} not found")
    return _cart_from_row(row)


async def save_line(conn: Any, cart_id: UUID, line: CartLine) -> None:
    """Insert the line, or set the quantity of the existing one (its price is kept)."""
    await conn.execute(
        "INSERT INTO cart_items (cart_id, sku, quantity, unit_price) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = EXCLUDED.quantity",
        cart_id,
        line.sku,
        line.quantity,
        line.unit_price,
    )


async def delete_line(conn: Any, cart_id: UUID, sku: str) -> None:
    await conn.execute("DELETE FROM cart_items WHERE cart_id = $1 AND sku = $2", cart_id, sku)


async def close_cart(conn: Any, cart: Cart) -> None:
    """Record a terminal status; a cleared cart also loses its lines."""
    await conn.execute(
        "UPDATE carts SET status = $2, checkout_id = $3, clear_reason = $4, closed_at = now()"
        " WHERE cart_id = $1",
        cart.cart_id,
        cart.status.value,
        cart.checkout_id,
        cart.clear_reason,
    )
    if cart.status is CartStatus.CLEARED:
        await conn.execute("DELETE FROM cart_items WHERE cart_id = $1", cart.cart_id)


def _cart_from_row(row: Mapping[str, Any]) -> Cart:
    return Cart(
        cart_id=row["cart_id"],
        customer_id=row["customer_id"],
        session_id=row["session_id"],
        status=CartStatus(row["status"]),
        lines=tuple(
            CartLine(line["sku"], line["quantity"], Decimal(line["unitPrice"]))
            for line in row["lines"]
        ),
        checkout_id=row["checkout_id"],
        clear_reason=row["clear_reason"],
    )
