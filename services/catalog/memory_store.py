"""``InMemoryProductStore``: the ``ProductStore`` port kept in a dict.

A first-class fake with the same observable behaviour as
``PostgresProductStore`` (duplicate SKUs, hidden deleted products, ordering,
atomic modify), for fast tests of the API and of code that uses the catalog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from services.catalog.domain import (
    DuplicateSku,
    Product,
    ProductNotFound,
    ProductPage,
    ProductQuery,
)


class InMemoryProductStore:
    def __init__(self, products: Iterable[Product] = ()) -> None:
        self._products: dict[str, Product] = {product.sku: product for product in products}
        self._lock = asyncio.Lock()

    async def add(self, product: Product) -> None:
        async with self._lock:
            if product.sku in self._products:
                raise DuplicateSku(product.sku)
            self._products[product.sku] = product

    async def get(self, sku: str) -> Product:
        product = self._products.get(sku)
        if product is None or product.is_deleted:
            raise ProductNotFound(sku)
        return product

    async def list(self, query: ProductQuery) -> ProductPage:
        matching = sorted(
            (
                product
                for product in self._products.values()
                if not product.is_deleted
                and (query.category is None or product.category == query.category)
                and (query.status is None or product.status is query.status)
            ),
            key=lambda product: (product.added_at, product.sku),
        )
        window = matching[query.offset : query.offset + query.page_size]
        return ProductPage(tuple(window), len(matching))

    async def modify(self, sku: str, change: Callable[[Product], Product]) -> Product:
        async with self._lock:
            current = self._products.get(sku)
            if current is None:
                raise ProductNotFound(sku)
            updated = change(current)
            self._products[sku] = updated
            return updated
