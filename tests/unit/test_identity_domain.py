"""Customer Identity's pure rules: address books, password hashes, ids, seed data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest

from services.identity.domain import (
    Address,
    AddressBook,
    AddressDetails,
    AddressNotFound,
    AddressType,
    DuplicateNickname,
    PostalAddress,
    uuid7,
)
from services.identity.passwords import ITERATIONS, hash_password, verify_password
from services.identity.seed import (
    ALICE_EMAIL,
    ALICE_ID,
    POOL_SIZE,
    pool_email,
    pool_password,
    seed_people,
    seeded_address_id,
    seeded_customer_id,
)

SHIPPING, BILLING, BOTH = AddressType.SHIPPING, AddressType.BILLING, AddressType.BOTH
NOW = datetime(2026, 3, 1, tzinfo=UTC)
OWNER = UUID("11111111-1111-1111-1111-111111111111")
POSTAL = PostalAddress("1 Main St", "Seattle", "WA", "98101", "US")


def address(nickname: str, type_: AddressType, *, default: bool = False) -> Address:
    return Address(uuid4(), OWNER, AddressDetails(type_, nickname, POSTAL), NOW, default)


def defaults(book: AddressBook) -> set[str]:
    return {a.details.nickname for a in book.addresses if a.is_default}


def book_of(*addresses: Address) -> AddressBook:
    return AddressBook(OWNER, addresses)


@pytest.mark.parametrize(
    ("existing", "new", "cleared"),
    [
        (SHIPPING, SHIPPING, True),
        (SHIPPING, BILLING, False),
        (BILLING, SHIPPING, False),
        (BOTH, SHIPPING, True),
        (SHIPPING, BOTH, True),
        (BILLING, BOTH, True),
        (BOTH, BOTH, True),
    ],
)
def test_a_new_default_clears_only_overlapping_defaults(
    existing: AddressType, new: AddressType, cleared: bool
) -> None:
    book = book_of(address("Old", existing, default=True)).add(address("New", new, default=True))

    assert defaults(book) == ({"New"} if cleared else {"Old", "New"})


def test_a_non_default_address_clears_nothing() -> None:
    book = book_of(address("Home", SHIPPING, default=True)).add(address("Office", SHIPPING))

    assert defaults(book) == {"Home"}
    assert [a.details.nickname for a in book.addresses] == ["Home", "Office"]


def test_make_default_moves_the_default_and_keeps_other_purposes() -> None:
    home = address("Home", SHIPPING, default=True)
    bills = address("Bills", BILLING, default=True)
    office = address("Office", SHIPPING)
    book = book_of(home, bills, office).make_default(office.id)

    assert defaults(book) == {"Bills", "Office"}
    assert defaults(book.make_default(office.id)) == {"Bills", "Office"}  # idempotent
    assert defaults(book.make_default(bills.id)) == {"Bills", "Office"}  # already the default


def test_revising_a_default_into_both_clears_the_defaults_it_now_overlaps() -> None:
    home = address("Home", SHIPPING, default=True)
    bills = address("Bills", BILLING, default=True)
    book = book_of(home, bills).revise(home.id, AddressDetails(BOTH, "Home", POSTAL))

    assert defaults(book) == {"Home"}
    assert book.get(home.id).type is BOTH


def test_revising_a_non_default_keeps_it_non_default() -> None:
    home = address("Home", SHIPPING, default=True)
    office = address("Office", BILLING)
    book = book_of(home, office).revise(office.id, AddressDetails(SHIPPING, "Work", POSTAL))

    assert defaults(book) == {"Home"}
    assert book.get(office.id).details.nickname == "Work"


def test_nicknames_are_unique_per_customer_in_any_case() -> None:
    home, office = address("Home", SHIPPING), address("Office", BILLING)
    book = book_of(home, office)

    with pytest.raises(DuplicateNickname):
        book.add(address("HOME", BILLING))
    with pytest.raises(DuplicateNickname):
        book.revise(office.id, AddressDetails(BILLING, "home", POSTAL))
    # Keeping its own nickname (in another case) is fine.
    assert book.revise(home.id, AddressDetails(SHIPPING, "home", POSTAL)).get(home.id)


def test_unknown_addresses_are_not_found() -> None:
    book = book_of(address("Home", SHIPPING))

    for change in (book.make_default, lambda i: book.revise(i, AddressDetails(BOTH, "X", POSTAL))):
        with pytest.raises(AddressNotFound):
            change(uuid4())


def test_type_filter_includes_both() -> None:
    book = book_of(address("S", SHIPPING), address("B", BILLING), address("X", BOTH))

    def names(wanted: AddressType | None) -> list[str]:
        return [a.details.nickname for a in book.of_type(wanted)]

    assert names(None) == ["S", "B", "X"]
    assert names(SHIPPING) == ["S", "X"]
    assert names(BILLING) == ["B", "X"]
    assert names(BOTH) == ["X"]


def test_changed_since_lists_only_new_and_modified_addresses() -> None:
    home, office = address("Home", SHIPPING, default=True), address("Office", BILLING)
    before = book_of(home, office)
    new = address("Cabin", SHIPPING, default=True)
    after = before.add(new)

    assert [a.details.nickname for a in after.changed_since(before)] == ["Home", "Cabin"]
    assert after.changed_since(after) == ()


def test_display_line() -> None:
    assert address("Home", SHIPPING).display_line == "Home - 1 Main St, Seattle, WA 98101"


def test_password_hashes_are_salted_and_verifiable() -> None:
    first, second = hash_password("critter-pass-0001"), hash_password("critter-pass-0001")

    assert first != second
    assert first.startswith(f"pbkdf2_sha256${ITERATIONS}$")
    assert verify_password("critter-pass-0001", first)
    assert verify_password("critter-pass-0001", second)
    assert not verify_password("critter-pass-0002", first)
    assert verify_password("\ud800 odd but allowed", hash_password("\ud800 odd but allowed"))


@pytest.mark.parametrize(
    "stored", ["", "plain", "md5$1$AA$AA", "pbkdf2_sha256$x$AA$AA", "pbkdf2_sha256$0$AA$AA"]
)
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_other_iteration_counts_still_verify() -> None:
    assert verify_password("secret-pass", hash_password("secret-pass", iterations=500))


def test_uuid7_is_version_7_and_time_ordered() -> None:
    first, second = uuid7(NOW), uuid7(NOW + timedelta(milliseconds=1))

    assert (first.version, first.variant) == (7, "specified in RFC 4122")
    assert first < second
    assert int.from_bytes(first.bytes[:6]) == int(NOW.timestamp() * 1000)


def test_seed_ids_are_deterministic_and_documented() -> None:
    people = seed_people(NOW)
    alice, alice_password, alice_addresses = people[0]

    assert len(people) == POOL_SIZE + 1
    assert (alice.id, alice.email, alice_password) == (ALICE_ID, ALICE_EMAIL, "alice-critter-pass")
    assert [a.details.nickname for a in alice_addresses] == ["Home", "Office"]
    assert [a.is_default for a in alice_addresses] == [True, False]
    assert alice_addresses[0].details.postal.address_line2 == "Apt 4B"

    customer, password, (home,) = people[42]
    assert (customer.email, password) == (pool_email(42), pool_password(42))
    assert (pool_email(42), pool_password(42)) == ("customer0042@example.com", "critter-pass-0042")
    assert customer.id == uuid5(NAMESPACE_URL, "mailto:customer0042@example.com")
    assert customer.id == seeded_customer_id(pool_email(42))
    assert home.id == uuid5(customer.id, "Home") == seeded_address_id(customer.id, "Home")
    assert (home.type, home.is_default) == (SHIPPING, True)
    assert len({person[0].email for person in people}) == len(people)
