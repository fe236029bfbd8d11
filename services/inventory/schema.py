"""Inventory's tables, as an ordered migration plan (see services.kernel.migrations).

* ``stock``: one row per (SKU, warehouse); the CHECKs make a negative availability
  impossible whatever the code does.
* ``order_reservations``: one row per order ever seen, holding its status (the
  idempotency key of every handler) and, for a shortage, why it failed.
* ``reservations``: one row per (order, SKU, warehouse), kept forever: the checkers count
  commits per order and verify stock conservation from it.

Released steps are never edited; a schema change is a new step.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            version=1,
            name="create stock and reservations",
            sql="""
            CREATE TABLE IF NOT EXISTS stock (
                sku          text COLLATE "C" NOT NULL,
                warehouse_id text COLLATE "C" NOT NULL,
                on_hand      integer NOT NULL CHECK (on_hand >= 0),
                reserved     integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
                updated_at   timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (sku, warehouse_id),
                CONSTRAINT stock_available_not_negative CHECK (reserved <= on_hand)
            );
            CREATE TABLE IF NOT EXISTS order_reservations (
                order_id           uuid PRIMARY KEY,
                status             text NOT NULL
                                   CHECK (status IN ('Reserved', 'Failed', 'Committed',
                                                     'Released')),
                failed_sku         text,
                requested_quantity bigint,
                available_quantity bigint,
                failure_reason     text,
                release_reason     text,
                decided_at         timestamptz NOT NULL,
                committed_at       timestamptz,
                released_at        timestamptz
            );
            CREATE TABLE IF NOT EXISTS reservations (
                reservation_id uuid PRIMARY KEY,
                order_id       uuid NOT NULL REFERENCES order_reservations (order_id),
                sku            text COLLATE "C" NOT NULL,
                warehouse_id   text COLLATE "C" NOT NULL,
                quantity       integer NOT NULL CHECK (quantity > 0),
                status         text NOT NULL
                               CHECK (status IN ('Reserved', 'Committed', 'Released')),
                reserved_at    timestamptz NOT NULL,
                committed_at   timestamptz,
                released_at    timestamptz,
                FOREIGN KEY (sku, warehouse_id) REFERENCES stock (sku, warehouse_id),
                UNIQUE (order_id, sku, warehouse_id)
            );
            """,
        ),
    ]
)
