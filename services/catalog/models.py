"""HTTP request and response bodies of the Product Catalog (JSON in camelCase).

Money (``price``) follows ``services.kernel.money``: accepted as a JSON number
or string, returned as a string with two decimals (``"19.99"``). Statuses are
strings (``"Active"``, ``"Discontinued"``, ``"ComingSoon"``, ``"OutOfSeason"``).
Unknown fields are rejected (400) so a misspelt field never passes silently.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from services.catalog.domain import (
    NAME_MAX_LENGTH,
    SKU_MAX_LENGTH,
    SKU_PATTERN,
    Dimensions,
    Product,
    ProductChanges,
    ProductImage,
    ProductPage,
    ProductStatus,
)
from services.kernel.api_models import CamelModel
from services.kernel.money import NonNegativeMoney

Sku = Annotated[
    str, StringConstraints(pattern=SKU_PATTERN, min_length=1, max_length=SKU_MAX_LENGTH)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
LongDescription = Annotated[str, StringConstraints(max_length=5000)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Subcategory = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Brand = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Measure = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=3, allow_inf_nan=False)]


class ImageBody(CamelModel):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    alt_text: Annotated[str, StringConstraints(max_length=200)] = ""
    sort_order: int = Field(default=0, ge=0)

    def to_domain(self) -> ProductImage:
        return ProductImage(url=self.url, alt_text=self.alt_text, sort_order=self.sort_order)

    @classmethod
    def from_domain(cls, image: ProductImage) -> ImageBody:
        return cls(url=image.url, alt_text=image.alt_text, sort_order=image.sort_order)


class DimensionsBody(CamelModel):
    length: Measure
    width: Measure
    height: Measure
    weight: Measure

    def to_domain(self) -> Dimensions:
        return Dimensions(self.length, self.width, self.height, self.weight)

    @classmethod
    def from_domain(cls, dimensions: Dimensions) -> DimensionsBody:
        return cls(
            length=dimensions.length,
            width=dimensions.width,
            height=dimensions.height,
            weight=dimensions.weight,
        )


class NewProduct(CamelModel):
    """Body of ``POST /api/products``; the product starts Active."""

    sku: Sku
    name: Name
    description: Description
    category: Category
    price: NonNegativeMoney
    long_description: LongDescription | None = None
    subcategory: Subcategory | None = None
    brand: Brand | None = None
    images: list[ImageBody] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    dimensions: DimensionsBody | None = None

    def to_domain(self, now: datetime) -> Product:
        return Product(
            sku=self.sku,
            name=self.name,
            description=self.description,
            category=self.category,
            price=self.price,
            added_at=now,
            long_description=self.long_description,
            subcategory=self.subcategory,
            brand=self.brand,
            images=tuple(image.to_domain() for image in self.images),
            tags=tuple(self.tags),
            dimensions=self.dimensions.to_domain() if self.dimensions else None,
        )


class ProductUpdate(CamelModel):
    """Body of ``PUT /api/products/{sku}``: a partial update; absent or null = unchanged."""

    name: Name | None = None
    description: Description | None = None
    long_description: LongDescription | None = None
    category: Category | None = None
    subcategory: Subcategory | None = None
    brand: Brand | None = None
    price: NonNegativeMoney | None = None
    images: list[ImageBody] | None = Field(default=None, max_length=20)
    tags: list[Tag] | None = Field(default=None, max_length=30)
    dimensions: DimensionsBody | None = None

    def to_domain(self) -> ProductChanges:
        return ProductChanges(
            name=self.name,
            description=self.description,
            long_description=self.long_description,
            category=self.category,
            subcategory=self.subcategory,
            brand=self.brand,
            price=self.price,
            images=None if self.images is None else tuple(i.to_domain() for i in self.images),
            tags=None if self.tags is None else tuple(self.tags),
            dimensions=self.dimensions.to_domain() if self.dimensions else None,
        )


class StatusChange(CamelModel):
    """Body of ``PATCH /api/products/{sku}/status``."""

    new_status: ProductStatus


class ProductView(CamelModel):
    """A product as returned by the API (fields without a value are omitted)."""

    sku: str
    name: str
    description: str
    long_description: str | None = None
    category: str
    subcategory: str | None = None
    brand: str | None = None
    price: NonNegativeMoney
    images: list[ImageBody]
    tags: list[str]
    dimensions: DimensionsBody | None = None
    status: ProductStatus
    added_at: datetime
    updated_at: datetime | None = None

    @classmethod
    def from_domain(cls, product: Product) -> ProductView:
        return cls(
            sku=product.sku,
            name=product.name,
            description=product.description,
            long_description=product.long_description,
            category=product.category,
            subcategory=product.subcategory,
            brand=product.brand,
            price=product.price,
            images=[ImageBody.from_domain(image) for image in product.images],
            tags=list(product.tags),
            dimensions=DimensionsBody.from_domain(product.dimensions)
            if product.dimensions
            else None,
            status=product.status,
            added_at=product.added_at,
            updated_at=product.updated_at,
        )


class ProductList(CamelModel):
    """Body of ``GET /api/products``."""

    products: list[ProductView]
    page: int
    page_size: int
    total_count: int

    @classmethod
    def from_domain(cls, page: ProductPage, *, page_number: int, page_size: int) -> ProductList:
        return cls(
            products=[ProductView.from_domain(product) for product in page.products],
            page=page_number,
            page_size=page_size,
            total_count=page.total_count,
        )
