"""The Orders tables, as an ordered migration plan (see services.kernel.migrations).

* ``checkouts``: one row per checkout, created by CheckoutInitiated; ``order_id`` is set
  once, on completion.
* ``orders``: one row per order, the saga's state (status, flags, payment id, cancel
  reason, timestamps) with its lines and address as ``jsonb`` (one row write per step).
  Orders are kept for ever: nothing deletes a Delivered order.
* ``order_events``: the status history of each order, oldest first.

Released steps are never edited; a schema change is a new step.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            version=1,
            name="create checkouts, orders and order_events",
            sql="""
            CREATE TABLE IF NOT EXISTS checkouts (
                id               uuid PRIMARY KEY,
                cart_id          uuid NOT NULL,
                customer_id      uuid,
                items            jsonb NOT NULL,
                shipping_address jsonb,
                shipping_method  text,
                shipping_cost    numeric(12, 2) CHECK (shipping_cost >= 0),
                payment_token    text,
                order_id         uuid UNIQUE,
                started_at       timestamptz NOT NULL,
                updated_at       timestamptz NOT NULL,
                completed_at     timestamptz
            );

            CREATE TABLE IF NOT EXISTS orders (
                id                       uuid PRIMARY KEY,
                checkout_id              uuid NOT NULL UNIQUE,
                customer_id              uuid NOT NULL,
                status                   text NOT NULL CHECK (status IN (
                    'Placed', 'InventoryReserved', 'PaymentAuthorized', 'Confirmed',
                    'Shipped', 'Delivered', 'Cancelled')),
                lines                    jsonb NOT NULL,
                shipping_address         jsonb NOT NULL,
                shipping_method          text NOT NULL,
                shipping_cost            numeric(12, 2) NOT NULL CHECK (shipping_cost >= 0),
                subtotal                 numeric(12, 2) NOT NULL,
                total_amount             numeric(12, 2) NOT NULL,
                payment_token            text NOT NULL,
                payment_id               uuid,
                is_inventory_reserved    boolean NOT NULL DEFAULT false,
                is_payment_authorized    boolean NOT NULL DEFAULT false,
                is_commit_requested      boolean NOT NULL DEFAULT false,
                is_inventory_committed   boolean NOT NULL DEFAULT false,
                is_payment_captured      boolean NOT NULL DEFAULT false,
                is_fulfillment_requested boolean NOT NULL DEFAULT false,
                is_release_requested     boolean NOT NULL DEFAULT false,
                is_void_requested        boolean NOT NULL DEFAULT false,
                is_inventory_released    boolean NOT NULL DEFAULT false,
                is_payment_voided        boolean NOT NULL DEFAULT false,
                cancel_reason            text,
                placed_at                timestamptz NOT NULL,
                confirmed_at             timestamptz,
                shipped_at               timestamptz,
                delivered_at             timestamptz,
                cancelled_at             timestamptz,
                updated_at               timestamptz NOT NULL
            );
            CREATE INDEX IF NOT EXISTS orders_customer_history_idx
                ON orders (customer_id, placed_at DESC, id DESC);
            -- The saga deadline scan reads only orders still waiting for stock or payment
            -- (the predicate of Order.awaits_deadline), so the index stays small.
            CREATE INDEX IF NOT EXISTS orders_awaiting_deadline_idx
                ON orders (placed_at)
                WHERE status IN ('Placed', 'InventoryReserved', 'PaymentAuthorized')
                  AND NOT is_commit_requested;

            CREATE TABLE IF NOT EXISTS order_events (
                order_id    uuid NOT NULL REFERENCES orders (id),
                seq         bigint GENERATED ALWAYS AS IDENTITY,
                status      text NOT NULL,
                reason      text,
                occurred_at timestamptz NOT NULL,
                PRIMARY KEY (order_id, seq)
            );
            """,
        ),
    ]
)
