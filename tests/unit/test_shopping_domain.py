"""Cart rules: prices kept, limits, terminal states, and the request bodies that guard them."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.kernel.errors import BadRequest
from services.kernel.ids import uuid7
from services.shopping.domain import (
    MAX_LINE_QUANTITY,
    MAX_LINES,
    Cart,
    CartClosed,
    CartLimitExceeded,
    CartLine,
    CartStatus,
    EmptyCart,
    ItemNotInCart,
)
from services.shopping.models import AddItem, CartView, OpenCart

BOWL = Decimal("19.99")
LASER = Decimal("21.99")


def a_cart(*lines: CartLine) -> Cart:
    return Cart(cart_id=uuid4(), customer_id=uuid4(), session_id=None, lines=lines)


def test_a_new_line_takes_the_quoted_price() -> None:
    cart = a_cart().add_item("DOG-BOWL-001", 2, BOWL)
    assert cart.lines == (CartLine("DOG-BOWL-001", 2, BOWL),)
    assert cart.total_amount == Decimal("39.98")


def test_re_adding_a_sku_raises_its_quantity_and_keeps_the_first_price() -> None:
    cart = a_cart().add_item("DOG-BOWL-001", 2, BOWL).add_item("CAT-TOY-LASER", 1, LASER)
    cart = cart.add_item("DOG-BOWL-001", 3, Decimal("99.00"))
    assert cart.lines == (
        CartLine("DOG-BOWL-001", 5, BOWL),
        CartLine("CAT-TOY-LASER", 1, LASER),
    )
    assert cart.total_amount == Decimal("121.94")


def test_changes_never_mutate_the_original_cart() -> None:
    original = a_cart(CartLine("DOG-BOWL-001", 1, BOWL))
    original.change_quantity("DOG-BOWL-001", 7)
    original.remove_item("DOG-BOWL-001")
    assert original.lines == (CartLine("DOG-BOWL-001", 1, BOWL),)


def test_quantity_change_keeps_price_and_position() -> None:
    cart = a_cart(CartLine("A", 1, BOWL), CartLine("B", 1, LASER)).change_quantity("A", 4)
    assert cart.lines == (CartLine("A", 4, BOWL), CartLine("B", 1, LASER))


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantities_below_one_are_refused(quantity: int) -> None:
    with pytest.raises(BadRequest):
        a_cart().add_item("A", quantity, BOWL)
    with pytest.raises(BadRequest):
        a_cart(CartLine("A", 1, BOWL)).change_quantity("A", quantity)


def test_a_line_holds_at_most_999_units_even_across_adds() -> None:
    cart = a_cart().add_item("A", MAX_LINE_QUANTITY, BOWL)
    with pytest.raises(CartLimitExceeded, match="at most 999"):
        cart.add_item("A", 1, BOWL)
    with pytest.raises(CartLimitExceeded):
        cart.change_quantity("A", MAX_LINE_QUANTITY + 1)


def test_a_cart_holds_at_most_100_skus() -> None:
    full = a_cart(*(CartLine(f"SKU-{n}", 1, BOWL) for n in range(MAX_LINES)))
    with pytest.raises(CartLimitExceeded, match="100"):
        full.add_item("ONE-MORE", 1, BOWL)
    assert len(full.add_item("SKU-0", 1, BOWL).lines) == MAX_LINES  # re-adding is fine


def test_changing_or_removing_a_missing_sku_is_not_found() -> None:
    cart = a_cart(CartLine("A", 1, BOWL))
    with pytest.raises(ItemNotInCart):
        cart.change_quantity("B", 2)
    with pytest.raises(ItemNotInCart):
        cart.remove_item("B")


def test_clearing_empties_and_closes_the_cart() -> None:
    cleared = a_cart(CartLine("A", 1, BOWL)).clear("changed my mind")
    assert cleared.status is CartStatus.CLEARED
    assert cleared.lines == ()
    assert cleared.clear_reason == "changed my mind"


def test_checkout_keeps_the_lines_as_the_snapshot() -> None:
    checkout_id = uuid4()
    done = a_cart(CartLine("A", 2, BOWL)).check_out(checkout_id)
    assert done.status is CartStatus.CHECKED_OUT
    assert done.checkout_id == checkout_id
    assert done.lines == (CartLine("A", 2, BOWL),)


def test_an_empty_cart_cannot_be_checked_out() -> None:
    with pytest.raises(EmptyCart):
        a_cart().check_out(uuid4())


@pytest.mark.parametrize("close", ["clear", "check_out"])
def test_a_closed_cart_refuses_every_change(close: str) -> None:
    cart = a_cart(CartLine("A", 1, BOWL))
    closed = cart.clear("x") if close == "clear" else cart.check_out(uuid4())
    attempts = [
        lambda: closed.add_item("B", 1, BOWL),
        lambda: closed.change_quantity("A", 2),
        lambda: closed.remove_item("A"),
        lambda: closed.clear("again"),
        lambda: closed.check_out(uuid4()),
    ]
    for attempt in attempts:
        with pytest.raises(CartClosed, match=closed.status.value):
            attempt()


def test_the_add_item_body_refuses_a_client_price() -> None:
    with pytest.raises(ValidationError, match="unitPrice"):
        AddItem.model_validate({"sku": "DOG-BOWL-001", "quantity": 1, "unitPrice": 0.01})
    with pytest.raises(ValidationError):
        AddItem.model_validate({"sku": "dog-bowl", "quantity": 1})
    with pytest.raises(ValidationError):
        AddItem.model_validate({"sku": "DOG-BOWL-001", "quantity": 1000})


def test_a_cart_needs_a_customer_or_a_session() -> None:
    with pytest.raises(ValidationError, match="customerId or sessionId"):
        OpenCart.model_validate({})
    assert OpenCart.model_validate({"sessionId": "s-1"}).session_id == "s-1"


def test_the_cart_view_writes_money_as_strings_and_omits_nulls() -> None:
    cart = a_cart().add_item("DOG-BOWL-001", 3, BOWL)
    body = CartView.from_domain(cart).model_dump(mode="json", exclude_none=True)
    assert body["items"] == [
        {"sku": "DOG-BOWL-001", "quantity": 3, "unitPrice": "19.99", "lineTotal": "59.97"}
    ]
    assert body["totalAmount"] == "59.97"
    assert body["itemCount"] == 1
    assert "checkoutId" not in body


def test_cart_ids_are_time_ordered_version_7_uuids() -> None:
    ids = [uuid7() for _ in range(50)]
    assert all(cart_id.version == 7 for cart_id in ids)
    assert len(set(ids)) == len(ids)
    # Within one millisecond the random part decides the order, so compare the clock part.
    stamps = [cart_id.int >> 80 for cart_id in ids]
    assert stamps == sorted(stamps)
