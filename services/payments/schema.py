"""Payments' tables, as an ordered migration plan (see services.kernel.migrations).

``payments`` holds one row per order (``order_id`` UNIQUE), kept forever: the checkers
count captures per order from it. Released steps are never edited; a schema change is
a new step.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            version=1,
            name="create payments",
            sql="""
            CREATE TABLE IF NOT EXISTS payments (
                payment_id       uuid PRIMARY KEY,
                order_id         uuid NOT NULL UNIQUE,
                customer_id      uuid,
                amount           numeric(12, 2) NOT NULL CHECK (amount >= 0),
                currency         text NOT NULL,
                status           text NOT NULL
                                 CHECK (status IN ('Authorized', 'Captured', 'Failed', 'Voided',
                                                   'Refunded')),
                authorization_id text,
                authorized_at    timestamptz,
                expires_at       timestamptz,
                failure_reason   text,
                is_retriable     boolean,
                failed_at        timestamptz,
                transaction_id   text,
                captured_amount  numeric(12, 2) CHECK (captured_amount > 0),
                captured_at      timestamptz,
                voided_at        timestamptz,
                refunded_at      timestamptz,
                created_at       timestamptz NOT NULL,
                CONSTRAINT payments_capture_within_authorization
                    CHECK (captured_amount IS NULL OR captured_amount <= amount)
            );
            """,
        ),
    ]
)
