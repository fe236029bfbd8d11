"""Shopping's tables, as an ordered migration plan (see services.kernel.migrations).

``carts`` holds one row per cart; at most one *Active* cart per customer (a
partial unique index), which is what ``GET /api/carts?customerId=`` finds.
``cart_items`` holds the lines. Checked-out carts keep their lines (the
snapshot sent with CheckoutInitiated); cleared carts lose them. Released steps
are never edited; a schema change is a new step.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            version=1,
            name="create carts and cart items",
            sql="""
            CREATE TABLE IF NOT EXISTS carts (
                cart_id      uuid PRIMARY KEY,
                customer_id  uuid,
                session_id   text CHECK (length(session_id) <= 100),
                status       text NOT NULL DEFAULT 'Active'
                             CHECK (status IN ('Active', 'Cleared', 'CheckedOut')),
                checkout_id  uuid UNIQUE,
                clear_reason text,
                created_at   timestamptz NOT NULL DEFAULT now(),
                closed_at    timestamptz,
                CHECK (customer_id IS NOT NULL OR session_id IS NOT NULL),
                CHECK ((status = 'CheckedOut') = (checkout_id IS NOT NULL))
            );
            CREATE UNIQUE INDEX IF NOT EXISTS carts_one_active_per_customer
                ON carts (customer_id) WHERE status = 'Active' AND customer_id IS NOT NULL;
            CREATE TABLE IF NOT EXISTS cart_items (
                cart_id    uuid NOT NULL REFERENCES carts (cart_id) ON DELETE CASCADE,
                sku        text COLLATE "C" NOT NULL,
                quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
                unit_price numeric(12, 2) NOT NULL CHECK (unit_price >= 0),
                added_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (cart_id, sku)
            );
            """,
        ),
    ]
)
