"""The Product Catalog's domain: products, their rules, and the store port.

Pure code: no I/O, no framework. A product is identified by its SKU, carries a
price (``Decimal``, two places) and a status; it may be edited unless it is
discontinued or deleted. Deleted products are invisible to reads (404) and
listings; nothing in the HTTP API deletes one yet, the flag mirrors the
original system's soft delete.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from services.kernel.errors import BadRequest, Conflict, NotFound

SKU_PATTERN = r"^[A-Z0-9-]+$"
SKU_MAX_LENGTH = 24
NAME_MAX_LENGTH = 100


class ProductStatus(StrEnum):
    ACTIVE = "Active"
    DISCONTINUED = "Discontinued"
    COMING_SOON = "ComingSoon"
    OUT_OF_SEASON = "OutOfSeason"


class ProductNotFound(NotFound):
    """No product with this SKU exists (or it was deleted)."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"product {sku} not found")
        self.sku = sku


class DuplicateSku(Conflict):
    """A product with this SKU already exists."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"a product with SKU {sku} already exists")
        self.sku = sku


class ProductNotEditable(BadRequest):
    """The product is discontinued or deleted, so its details can no longer change."""


@dataclass(frozen=True)
class ProductImage:
    url: str
    alt_text: str
    sort_order: int = 0


@dataclass(frozen=True)
class Dimensions:
    """Package size (inches) and weight (pounds)."""

    length: Decimal
    width: Decimal
    height: Decimal
    weight: Decimal


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    added_at: datetime
    long_description: str | None = None
    subcategory: str | None = None
    brand: str | None = None
    images: tuple[ProductImage, ...] = ()
    tags: tuple[str, ...] = ()
    dimensions: Dimensions | None = None
    status: ProductStatus = ProductStatus.ACTIVE
    is_deleted: bool = False
    updated_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        """Discontinued or deleted: details are frozen."""
        return self.is_deleted or self.status is ProductStatus.DISCONTINUED

    def revise(self, changes: ProductChanges, now: datetime) -> Product:
        """This product with ``changes`` applied; unset fields keep their value."""
        if self.is_terminal:
            state = "deleted" if self.is_deleted else "discontinued"
            raise ProductNotEditable(f"product {self.sku} is {state} and cannot be updated")
        updates = {
            field.name: getattr(changes, field.name)
            for field in dataclasses.fields(changes)
            if getattr(changes, field.name) is not None
        }
        return dataclasses.replace(self, **updates, updated_at=now)

    def with_status(self, status: ProductStatus, now: datetime) -> Product:
        """This product in ``status``. Any status may follow any other, except on a
        deleted product. Setting the current status again changes nothing."""
        if self.is_deleted:
            raise ProductNotEditable(f"product {self.sku} is deleted")
        if status is self.status:
            return self
        return dataclasses.replace(self, status=status, updated_at=now)


@dataclass(frozen=True)
class ProductChanges:
    """A partial update: ``None`` means "leave unchanged"."""

    name: str | None = None
    description: str | None = None
    long_description: str | None = None
    category: str | None = None
    subcategory: str | None = None
    brand: str | None = None
    price: Decimal | None = None
    images: tuple[ProductImage, ...] | None = None
    tags: tuple[str, ...] | None = None
    dimensions: Dimensions | None = None


@dataclass(frozen=True)
class ProductQuery:
    """One page of the listing, optionally filtered (exact match) by category and status."""

    page: int = 1
    page_size: int = 20
    category: str | None = None
    status: ProductStatus | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class ProductPage:
    products: tuple[Product, ...]
    total_count: int


class ProductStore(Protocol):
    """Where products live. Real adapter: ``store.PostgresProductStore``; fake:
    ``memory_store.InMemoryProductStore``. Listings exclude deleted products and
    are ordered by ``added_at``, then SKU."""

    async def add(self, product: Product) -> None:
        """Insert ``product``; raises DuplicateSku if its SKU is taken (even by a deleted one)."""
        ...

    async def get(self, sku: str) -> Product:
        """The product; raises ProductNotFound if absent or deleted."""
        ...

    async def list(self, query: ProductQuery) -> ProductPage: ...

    async def modify(self, sku: str, change: Callable[[Product], Product]) -> Product:
        """Atomically replace the product (deleted ones included) by ``change(product)``
        and return the result; raises ProductNotFound if absent and whatever ``change``
        raises, in which case nothing is written."""
        ...
