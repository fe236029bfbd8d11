"""Fulfillment's table, as an ordered migration plan (see services.kernel.migrations).

``shipments`` keeps every shipment for good (the harness counts them per
order). ``order_id`` is unique: one shipment per order, so a repeated
FulfillmentRequested can never open a second one, the original's duplicate
bug. The partial index on ``next_step_at`` serves the autopilot's "what is
due" query. Released steps are never edited; a schema change is a new step.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            version=1,
            name="create shipments",
            sql="""
            CREATE TABLE IF NOT EXISTS shipments (
                shipment_id     uuid PRIMARY KEY,
                order_id        uuid NOT NULL UNIQUE,
                customer_id     uuid NOT NULL,
                address         jsonb NOT NULL,
                lines           jsonb NOT NULL,
                shipping_method text NOT NULL,
                status          text NOT NULL
                                CHECK (status IN ('Pending', 'Assigned', 'Shipped', 'Delivered',
                                                  'DeliveryFailed')),
                warehouse_id    text,
                carrier         text,
                tracking_number text,
                recipient_name  text,
                created_at      timestamptz NOT NULL,
                assigned_at     timestamptz,
                dispatched_at   timestamptz,
                delivered_at    timestamptz,
                next_step_at    timestamptz
            );
            CREATE INDEX IF NOT EXISTS shipments_due_idx
                ON shipments (next_step_at) WHERE next_step_at IS NOT NULL;
            """,
        ),
    ]
)
