"""``PostgresProductStore``: the ``ProductStore`` port on the catalog's own database (asyncpg).

Images and dimensions are ``jsonb`` (the kernel's pool codec turns them into
Python objects; decimals are stored as strings to stay exact), tags a
``text[]``, the price ``numeric(12,2)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from services.catalog.domain import (
    Dimensions,
    DuplicateSku,
    Product,
    ProductImage,
    ProductNotFound,
    ProductPage,
    ProductQuery,
    ProductStatus,
)

_COLUMNS = (
    "sku, name, description, long_description, category, subcategory, brand, price,"
    " images, tags, dimensions, status, is_deleted, added_at, updated_at"
)
_VALUES = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15"
_FILTER = (
    "NOT is_deleted AND ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR status = $2)"
)

INSERT_PRODUCT = (
    f"INSERT INTO products ({_COLUMNS}) VALUES ({_VALUES}) ON CONFLICT (sku) DO NOTHING"
    " RETURNING sku"
)


class PostgresProductStore:
    """Products in PostgreSQL; ``pool`` is the service's asyncpg pool."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def add(self, product: Product) -> None:
        if await self._pool.fetchval(INSERT_PRODUCT, *product_row(product)) is None:
            raise DuplicateSku(product.sku)

    async def get(self, sku: str) -> Product:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM products WHERE sku = $1 AND NOT is_deleted", sku
        )
        if row is None:
            raise ProductNotFound(sku)
        return _product_from_row(row)

    async def list(self, query: ProductQuery) -> ProductPage:
        status = query.status.value if query.status else None
        async with (
            self._pool.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            total = await connection.fetchval(
                f"SELECT count(*) FROM products WHERE {_FILTER}", query.category, status
            )
            rows = await connection.fetch(
                f"SELECT {_COLUMNS} FROM products WHERE {_FILTER}"
                " ORDER BY added_at, sku LIMIT $3 OFFSET $4",
                query.category,
                status,
                query.page_size,
                query.offset,
            )
        return ProductPage(tuple(_product_from_row(row) for row in rows), total)

    async def modify(self, sku: str, change: Callable[[Product], Product]) -> Product:
        async with self._pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                f"SELECT {_COLUMNS} FROM products WHERE sku = $1 FOR UPDATE", sku
            )
            if row is None:
                raise ProductNotFound(sku)
            current = _product_from_row(row)
            updated = change(current)
            if updated != current:
                await connection.execute(
                    f"UPDATE products SET ({_COLUMNS}) = ({_VALUES}) WHERE sku = $1",
                    *product_row(updated),
                )
            return updated


def product_row(product: Product) -> tuple[object, ...]:
    """The column values of ``product`` in ``_COLUMNS`` order (also used by seeding)."""
    dimensions = product.dimensions
    return (
        product.sku,
        product.name,
        product.description,
        product.long_description,
        product.category,
        product.subcategory,
        product.brand,
        product.price,
        [
            {"url": image.url, "altText": image.alt_text, "sortOrder": image.sort_order}
            for image in product.images
        ],
        list(product.tags),
        None
        if dimensions is None
        else {
            "length": dimensions.length,
            "width": dimensions.width,
            "height": dimensions.height,
            "weight": dimensions.weight,
        },
        product.status.value,
        product.is_deleted,
        product.added_at,
        product.updated_at,
    )


def _product_from_row(row: Mapping[str, Any]) -> Product:
    dimensions = row["dimensions"]
    return Product(
        sku=row["sku"],
        name=row["name"],
        description=row["description"],
        long_description=row["long_description"],
        category=row["category"],
        subcategory=row["subcategory"],
        brand=row["brand"],
        price=row["price"],
        images=tuple(
            ProductImage(url=image["url"], alt_text=image["altText"], sort_order=image["sortOrder"])
            for image in row["images"]
        ),
        tags=tuple(row["tags"]),
        dimensions=None
        if dimensions is None
        else Dimensions(
            length=Decimal(dimensions["length"]),
            width=Decimal(dimensions["width"]),
            height=Decimal(dimensions["height"]),
            weight=Decimal(dimensions["weight"]),
        ),
        status=ProductStatus(row["status"]),
        is_deleted=row["is_deleted"],
        added_at=row["added_at"],
        updated_at=row["updated_at"],
    )
