"""The Product Catalog's tables, as an ordered migration plan (see services.kernel.migrations).

Released steps are never edited; a schema change is a new step.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

MIGRATIONS = MigrationPlan(
    [
        Migration(
            version=1,
            name="create products",
            sql="""
            CREATE TABLE IF NOT EXISTS products (
                sku              text COLLATE "C" PRIMARY KEY
                                 CHECK (sku ~ '^[A-Z0-9-]+$' AND length(sku) <= 24),
                name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                description      text NOT NULL,
                long_description text,
                category         text NOT NULL,
                subcategory      text,
                brand            text,
                price            numeric(12, 2) NOT NULL CHECK (price >= 0),
                images           jsonb NOT NULL DEFAULT '[]',
                tags             text[] NOT NULL DEFAULT '{}',
                dimensions       jsonb,
                status           text NOT NULL DEFAULT 'Active'
                                 CHECK (status IN ('Active', 'Discontinued', 'ComingSoon',
                                                   'OutOfSeason')),
                is_deleted       boolean NOT NULL DEFAULT false,
                added_at         timestamptz NOT NULL DEFAULT now(),
                updated_at       timestamptz
            );
            CREATE INDEX IF NOT EXISTS products_listing_idx
                ON products (added_at, sku) WHERE NOT is_deleted;
            CREATE INDEX IF NOT EXISTS products_category_idx
                ON products (category, added_at, sku) WHERE NOT is_deleted;
            """,
        ),
    ]
)
