"""The checkout wizard's pure rules: steps, prices, ownership, completion."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.contracts.messages import Address
from services.kernel.errors import BadRequest
from services.orders.checkout import (
    AddressNotOwned,
    Checkout,
    CheckoutCompleted,
    CheckoutIncomplete,
    ShippingChoice,
)
from services.orders.order import OrderLine, OrderStatus

NOW = datetime(2026, 2, 17, tzinfo=UTC)
CUSTOMER = uuid4()
ADDRESS = Address(
    address_line1="1 Road",
    city="Seattle",
    state_or_province="WA",
    postal_code="98101",
    country="US",
)


def started(
    customer: UUID | None = CUSTOMER, items: tuple[OrderLine, ...] | None = None
) -> Checkout:
    return Checkout(
        id=uuid4(),
        cart_id=uuid4(),
        customer_id=customer,
        items=items if items is not None else (OrderLine("DOG-BOWL-001", 2, Decimal("19.99")),),
        started_at=NOW,
    )


def ready() -> Checkout:
    return (
        started()
        .with_address(ADDRESS)
        .with_shipping(ShippingChoice.priced("Express", None))
        .with_payment_token("tok_visa_4242")
    )


def test_shipping_is_priced_from_the_list_and_a_wrong_cost_is_refused() -> None:
    assert ShippingChoice.priced("Standard", None).cost == Decimal("5.99")
    assert ShippingChoice.priced("Express", Decimal("12.99")).cost == Decimal("12.99")
    with pytest.raises(BadRequest, match=r"costs 5\.99"):
        ShippingChoice.priced("Standard", Decimal("0.01"))
    with pytest.raises(BadRequest, match="unknown shipping method"):
        ShippingChoice.priced("Teleport", None)


def test_totals_add_shipping_to_the_subtotal() -> None:
    checkout = ready()
    assert checkout.subtotal == Decimal("39.98")
    assert checkout.total == Decimal("52.97")
    assert started().total == Decimal("39.98")


def test_placing_makes_an_order_from_the_snapshot() -> None:
    order_id = uuid4()
    checkout, order = ready().place(order_id, NOW)
    assert checkout.is_completed
    assert checkout.order_id == order_id
    assert order.status is OrderStatus.PLACED
    assert order.customer_id == CUSTOMER
    assert order.checkout_id == checkout.id
    assert order.total_amount == Decimal("52.97")
    assert (order.shipping_method, order.payment_token) == ("Express", "tok_visa_4242")
    assert order.awaits_deadline


def test_a_completed_checkout_cannot_change_or_complete_again() -> None:
    checkout, _ = ready().place(uuid4(), NOW)
    with pytest.raises(CheckoutCompleted):
        checkout.with_payment_token("tok_other")
    with pytest.raises(CheckoutCompleted):
        checkout.place(uuid4(), NOW)


def test_completion_names_every_missing_step() -> None:
    with pytest.raises(CheckoutIncomplete) as caught:
        started().place(uuid4(), NOW)
    detail = caught.value.detail
    assert "no shipping address" in detail
    assert "no shipping method" in detail
    assert "no payment method" in detail


@pytest.mark.parametrize(
    ("checkout", "problem"),
    [
        (started(customer=None), "anonymous"),
        (started(items=()), "no items"),
        (started(items=(OrderLine("X", 0, Decimal("1.00")),)), "positive quantity"),
        (started(items=(OrderLine("X", 1, Decimal("0.00")),)), "positive quantity and price"),
    ],
)
def test_saga_start_rejects_what_the_original_rejected(checkout: Checkout, problem: str) -> None:
    complete = (
        checkout.with_address(ADDRESS)
        .with_shipping(ShippingChoice.priced("Standard", None))
        .with_payment_token("tok")
    )
    with pytest.raises(CheckoutIncomplete, match=problem):
        complete.place(uuid4(), NOW)


def test_a_saved_address_must_belong_to_the_checkouts_customer() -> None:
    started().check_address_owner(CUSTOMER)
    with pytest.raises(AddressNotOwned):
        started().check_address_owner(uuid4())
    with pytest.raises(BadRequest, match="anonymous"):
        started(customer=None).check_address_owner(CUSTOMER)
