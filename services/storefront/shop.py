"""Browsing and the cart: what the shopper sees, composed from Catalog, Inventory, Shopping.

* Product cards: a page of the catalog's Active products, each with its price and
  whether Inventory has it in stock (one batch call per page).
* The cart: Shopping's active cart of the customer, each line named from the catalog.
  Without a cart, an empty one (no ``cartId``): the cart is opened on the first add.
* Changes go to Shopping, which prices them from the catalog; every change answers
  the cart as it is after it. The customer is always the token's.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID

from services.kernel.errors import DependencyUnavailable, NotFound, RequestRejected
from services.storefront.clients import Upstreams
from services.storefront.clients.catalog import Product
from services.storefront.clients.shopping import Cart
from services.storefront.models import CartItem, CartView, ProductCard, ProductCardList

ACTIVE = "Active"


class NoActiveCart(NotFound):
    """The customer has no active cart to change."""

    def __init__(self) -> None:
        super().__init__("you have no active cart; add an item to open one")


async def product_cards(
    upstreams: Upstreams, *, page: int, page_size: int, category: str | None
) -> ProductCardList:
    listing = await upstreams.catalog.list_products(
        page=page, page_size=page_size, category=category, status=ACTIVE
    )
    stock = await upstreams.inventory.in_stock([p.sku for p in listing.products])
    return ProductCardList(
        products=[_card(product, stock.get(product.sku, False)) for product in listing.products],
        page=listing.page,
        page_size=listing.page_size,
        total_count=listing.total_count,
    )


async def cart_of(upstreams: Upstreams, customer_id: UUID) -> CartView:
    cart = await upstreams.shopping.active_cart(customer_id)
    if cart is None:
        return CartView(items=[], item_count=0, total_amount=Decimal(0))
    return await _view(upstreams, cart)


async def add_item(upstreams: Upstreams, customer_id: UUID, sku: str, quantity: int) -> CartView:
    return await _view(
        upstreams, await upstreams.shopping.add_to_cart_of(customer_id, sku, quantity)
    )


async def change_quantity(
    upstreams: Upstreams, customer_id: UUID, sku: str, quantity: int
) -> CartView:
    cart_id = await _active_cart_id(upstreams, customer_id)
    cart = await upstreams.shopping.change_quantity(cart_id, sku, quantity)
    return await _view(upstreams, cart)


async def remove_item(upstreams: Upstreams, customer_id: UUID, sku: str) -> CartView:
    cart_id = await _active_cart_id(upstreams, customer_id)
    return await _view(upstreams, await upstreams.shopping.remove_item(cart_id, sku))


async def names_of(upstreams: Upstreams, skus: Iterable[str]) -> dict[str, Product]:
    """Catalog entries of ``skus`` for display; empty when the catalog cannot say (names
    are decoration: a cart or an order is still shown without them)."""
    try:
        return await upstreams.catalog.describe(skus)
    except (DependencyUnavailable, RequestRejected):
        return {}


async def _active_cart_id(upstreams: Upstreams, customer_id: UUID) -> UUID:
    cart = await upstreams.shopping.active_cart(customer_id)
    if cart is None:
        raise NoActiveCart
    return cart.cart_id


async def _view(upstreams: Upstreams, cart: Cart) -> CartView:
    products = await names_of(upstreams, (line.sku for line in cart.items))
    items = []
    for line in cart.items:
        product = products.get(line.sku)
        items.append(
            CartItem(
                sku=line.sku,
                name=product.name if product else None,
                image_url=product.image_url if product else None,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
        )
    return CartView(
        cart_id=cart.cart_id,
        items=items,
        item_count=cart.item_count,
        total_amount=cart.total_amount,
    )


def _card(product: Product, in_stock: bool) -> ProductCard:
    return ProductCard(
        sku=product.sku,
        name=product.name,
        description=product.description,
        category=product.category,
        price=product.price,
        image_url=product.image_url,
        in_stock=in_stock,
    )
