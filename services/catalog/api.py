"""HTTP routes of the Product Catalog: thin adapters from JSON to the domain and store.

``POST /api/products`` (201 + Location), ``GET /api/products`` (paged listing),
``GET /api/products/{sku}``, ``PUT /api/products/{sku}`` (partial update),
``PATCH /api/products/{sku}/status``. Errors are problem+json: 400 on invalid
input or an edit of a discontinued product, 404 for an unknown SKU, 409 for a
duplicate SKU, 503 while the database is unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.catalog.domain import ProductQuery, ProductStatus, ProductStore
from services.catalog.models import (
    NewProduct,
    ProductList,
    ProductUpdate,
    ProductView,
    StatusChange,
)
from services.catalog.store import PostgresProductStore
from services.kernel.problems import problem_doc
from services.kernel.runtime import RuntimeDep

PREFIX = "/api/products"

router = APIRouter(prefix=PREFIX, tags=["products"], responses=problem_doc(400, 503))


def get_store(runtime: RuntimeDep) -> ProductStore:
    """The product store of this process (tests override this dependency)."""
    return PostgresProductStore(runtime.database.pool)


StoreDep = Annotated[ProductStore, Depends(get_store)]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("", status_code=201, response_model_exclude_none=True, responses=problem_doc(409))
async def add_product(body: NewProduct, store: StoreDep, response: Response) -> ProductView:
    """Add an Active product; its URL is in the Location header."""
    product = body.to_domain(now=_now())
    await store.add(product)
    response.headers["Location"] = f"{PREFIX}/{product.sku}"
    return ProductView.from_domain(product)


@router.get("", response_model_exclude_none=True)
async def list_products(
    store: StoreDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
    category: Annotated[str | None, Query(max_length=50)] = None,
    status: ProductStatus | None = None,
) -> ProductList:
    """Products that are not deleted, oldest first (then by SKU)."""
    query = ProductQuery(page=page, page_size=page_size, category=category, status=status)
    found = await store.list(query)
    return ProductList.from_domain(found, page_number=page, page_size=page_size)


@router.get("/{sku}", response_model_exclude_none=True, responses=problem_doc(404))
async def get_product(sku: str, store: StoreDep) -> ProductView:
    return ProductView.from_domain(await store.get(sku))


@router.put("/{sku}", response_model_exclude_none=True, responses=problem_doc(404))
async def update_product(sku: str, body: ProductUpdate, store: StoreDep) -> ProductView:
    """Change the given fields; 400 if the product is discontinued or deleted."""
    changes, now = body.to_domain(), _now()
    product = await store.modify(sku, lambda current: current.revise(changes, now))
    return ProductView.from_domain(product)


@router.patch("/{sku}/status", response_model_exclude_none=True, responses=problem_doc(404))
async def change_status(sku: str, body: StatusChange, store: StoreDep) -> ProductView:
    """Move the product to ``newStatus`` (any status may follow any other)."""
    now = _now()
    product = await store.modify(sku, lambda current: current.with_status(body.new_status, now))
    return ProductView.from_domain(product)
