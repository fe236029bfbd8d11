"""Product Catalog rules and seed data (pure, no I/O)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.catalog.domain import (
    SKU_MAX_LENGTH,
    SKU_PATTERN,
    Product,
    ProductChanges,
    ProductNotEditable,
    ProductStatus,
)
from services.catalog.seed import seed_catalog

ADDED = datetime(2026, 1, 1, tzinfo=UTC)
LATER = ADDED + timedelta(hours=1)


def a_product(**overrides: object) -> Product:
    fields: dict[str, object] = {
        "sku": "DOG-BOWL-001",
        "name": "Dog Bowl",
        "description": "A bowl.",
        "category": "Dogs",
        "price": Decimal("19.99"),
        "added_at": ADDED,
    }
    fields.update(overrides)
    return Product(**fields)  # type: ignore[arg-type]


def test_revise_changes_only_the_given_fields() -> None:
    product = a_product(brand="PetSupreme")

    revised = product.revise(ProductChanges(price=Decimal("17.50"), tags=("sale",)), LATER)

    assert revised.price == Decimal("17.50")
    assert revised.tags == ("sale",)
    assert revised.brand == "PetSupreme"
    assert revised.name == product.name
    assert revised.updated_at == LATER


@pytest.mark.parametrize(
    "product",
    [a_product(status=ProductStatus.DISCONTINUED), a_product(is_deleted=True)],
    ids=["discontinued", "deleted"],
)
def test_terminal_products_cannot_be_revised(product: Product) -> None:
    with pytest.raises(ProductNotEditable):
        product.revise(ProductChanges(name="New"), LATER)


def test_any_status_may_follow_any_other_but_not_on_a_deleted_product() -> None:
    product = a_product()

    discontinued = product.with_status(ProductStatus.DISCONTINUED, LATER)
    back = discontinued.with_status(ProductStatus.ACTIVE, LATER)

    assert discontinued.status is ProductStatus.DISCONTINUED
    assert back.status is ProductStatus.ACTIVE
    assert product.with_status(ProductStatus.ACTIVE, LATER) is product
    with pytest.raises(ProductNotEditable):
        a_product(is_deleted=True).with_status(ProductStatus.ACTIVE, LATER)


def test_the_seed_is_the_original_27_skus_with_prices() -> None:
    products = seed_catalog(ADDED)

    assert len(products) == 27
    assert len({product.sku for product in products}) == 27
    assert products[0].sku == "DOG-BOWL-001"
    assert products[-1].sku == "XMAS-PET-SWEATER"
    for product in products:
        assert re.fullmatch(SKU_PATTERN, product.sku)
        assert len(product.sku) <= SKU_MAX_LENGTH
        assert Decimal("0") < product.price == product.price.quantize(Decimal("0.01"))
        assert 0 < len(product.name) <= 100
        assert product.status is ProductStatus.ACTIVE
    assert [p.added_at for p in products] == sorted(p.added_at for p in products)
    assert {p.category for p in products} == {
        "Dogs", "Cats", "Birds", "Fish", "Small Animals", "Reptiles",
    }  # fmt: skip
