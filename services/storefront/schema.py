"""Migrations of the Storefront's own database.

* ``notifications``: every event pushed to a customer's stream. ``id`` is the SSE event
  id; the handlers insert rows in the inbox transaction (so a redelivered message adds
  none) holding a per-customer lock, which makes one customer's ids increase in commit
  order: a stream that sent id N never later meets a smaller id of the same customer,
  and ``Last-Event-ID`` replay is ``WHERE customer_id = $1 AND id > $2``.
* ``cart_changes``: the cart events of customers' carts, replayed to compute the
  ``cart-updated`` totals (Shopping's messages carry no totals).
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            1,
            "notifications and cart changes",
            """
            CREATE TABLE IF NOT EXISTS notifications (
                id          bigserial PRIMARY KEY,
                customer_id uuid NOT NULL,
                type        text NOT NULL,
                payload     jsonb NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS notifications_customer_idx
                ON notifications (customer_id, id);
            CREATE INDEX IF NOT EXISTS notifications_created_idx ON notifications (created_at);

            CREATE TABLE IF NOT EXISTS cart_changes (
                seq         bigserial PRIMARY KEY,
                cart_id     uuid NOT NULL,
                kind        text NOT NULL
                            CHECK (kind IN ('added', 'removed', 'quantity', 'cleared')),
                sku         text,
                quantity    integer NOT NULL DEFAULT 0,
                unit_price  numeric(12, 2) NOT NULL DEFAULT 0,
                occurred_at timestamptz NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS cart_changes_cart_idx ON cart_changes (cart_id, seq);
            CREATE INDEX IF NOT EXISTS cart_changes_recorded_idx ON cart_changes (recorded_at);
            """,
        ),
    ]
)
