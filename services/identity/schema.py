"""Customer Identity's tables (its own database): ``customers`` and ``addresses``.

Uniqueness lives in the database as well as in the domain: emails are unique in any
letter case (index on ``lower(email)``, which also serves login), nicknames per customer
(index on ``(customer_id, lower(nickname))``, which also serves a customer's listing).
The store refers to these constraints by name to tell a duplicate id from a duplicate email.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

CUSTOMER_ID_CONSTRAINT = "customers_pkey"
CUSTOMER_EMAIL_CONSTRAINT = "customers_email_key"
ADDRESS_NICKNAME_CONSTRAINT = "addresses_nickname_key"

MIGRATIONS = MigrationPlan(
    [
        Migration(
            1,
            "customers and addresses",
            f"""
            CREATE TABLE customers (
                id            uuid PRIMARY KEY,
                email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 256),
                first_name    text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
                last_name     text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
                password_hash text NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT now()
            );
            CREATE UNIQUE INDEX {CUSTOMER_EMAIL_CONSTRAINT} ON customers (lower(email));

            CREATE TABLE addresses (
                id                uuid PRIMARY KEY,
                customer_id       uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                type              text NOT NULL CHECK (type IN ('Shipping', 'Billing', 'Both')),
                nickname          text NOT NULL CHECK (length(nickname) BETWEEN 1 AND 50),
                address_line1     text NOT NULL,
                address_line2     text,
                city              text NOT NULL,
                state_or_province text NOT NULL,
                postal_code       text NOT NULL,
                country           text NOT NULL CHECK (country ~ '^[A-Z]{{2}}$'),
                is_default        boolean NOT NULL DEFAULT false,
                is_verified       boolean NOT NULL DEFAULT false,
                created_at        timestamptz NOT NULL DEFAULT now(),
                last_used_at      timestamptz
            );
            CREATE UNIQUE INDEX {ADDRESS_NICKNAME_CONSTRAINT}
                ON addresses (customer_id, lower(nickname));
            """,
        ),
    ]
)
