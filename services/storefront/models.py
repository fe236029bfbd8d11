"""HTTP bodies of the Storefront (JSON in camelCase; fields without a value are omitted).

Money follows ``services.kernel.money``: strings with two decimals (``"19.99"``).
Request bodies refuse unknown fields (400), as every service here does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AliasChoices, Field, StringConstraints

from services.kernel.api_models import CamelModel
from services.kernel.money import Money, NonNegativeMoney

SKU_PATTERN = r"^[A-Z0-9-]+$"
Sku = Annotated[str, StringConstraints(pattern=SKU_PATTERN, min_length=1, max_length=50)]
Quantity = Annotated[int, Field(ge=1, le=999, strict=True)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=200)]
MethodName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
PaymentToken = Annotated[str, StringConstraints(pattern=r"^\S{1,100}$")]


class LoginBody(CamelModel):
    email: Email
    password: Password


class LoginView(CamelModel):
    customer_id: UUID
    token: str
    expires_at: datetime


class ProductCard(CamelModel):
    sku: str
    name: str
    description: str
    category: str
    price: NonNegativeMoney
    image_url: str | None = None
    in_stock: bool


class ProductCardList(CamelModel):
    products: list[ProductCard]
    page: int
    page_size: int
    total_count: int


class AddItemBody(CamelModel):
    sku: Sku
    quantity: Quantity = 1


class ChangeQuantityBody(CamelModel):
    quantity: Quantity = Field(validation_alias=AliasChoices("quantity", "newQuantity"))


class CartItem(CamelModel):
    sku: str
    name: str | None = None
    image_url: str | None = None
    quantity: int
    unit_price: NonNegativeMoney
    line_total: NonNegativeMoney


class CartView(CamelModel):
    """The customer's active cart; without one, an empty cart with no ``cartId``."""

    cart_id: UUID | None = None
    items: list[CartItem]
    item_count: int
    total_amount: NonNegativeMoney


class CheckoutBody(CamelModel):
    """``addressId``: one of the customer's saved addresses; by default their default
    shipping address at Customer Identity."""

    address_id: UUID | None = None
    shipping_method: MethodName = "Standard"
    payment_method_token: PaymentToken

    def steps(self, address_id: UUID) -> dict[str, str]:
        """The body of Orders' ``complete``."""
        return {
            "addressId": str(address_id),
            "shippingMethod": self.shipping_method,
            "paymentMethodToken": self.payment_method_token,
        }


class CheckoutResult(CamelModel):
    order_id: UUID
    checkout_id: UUID


class OrderSummary(CamelModel):
    order_id: UUID
    placed_at: datetime
    status: str
    total_amount: Money
    item_count: int


class OrderList(CamelModel):
    orders: list[OrderSummary]
    page: int
    page_size: int
    total_count: int


class OrderLine(CamelModel):
    sku: str
    name: str | None = None
    quantity: int
    unit_price: Money
    line_total: Money


class StatusEntry(CamelModel):
    status: str
    reason: str | None = None
    occurred_at: datetime


class ShippingAddress(CamelModel):
    address_line1: str
    address_line2: str | None = None
    city: str
    state_or_province: str
    postal_code: str
    country: str


class OrderDetail(CamelModel):
    order_id: UUID
    status: str
    cancel_reason: str | None = None
    lines: list[OrderLine]
    shipping_address: ShippingAddress
    shipping_method: str
    shipping_cost: Money
    subtotal: Money
    total_amount: Money
    placed_at: datetime
    history: list[StatusEntry]
