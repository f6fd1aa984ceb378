"""A book's units and its deletion: set_book_units (raised units serve the queue, R13) and delete_book (R28)."""

import pytest

from accounts.models import Tier
from catalog.models import Book
from reservations.exceptions import (
    BookHasLiveReservations,
    InvalidUnits,
    UnitsBelowOnLoan,
)
from reservations.models import Reservation, Status
from reservations.services import (
    delete_book,
    reserve,
    return_reservation,
    set_book_units,
)
from reservations.tests.conftest import (
    DAY,
    HOUR,
    MINUTE,
    assert_book_consistent,
)

pytestmark = pytest.mark.django_db


# Units ----------------------------------------------------------------------------------


def test_units_cannot_go_below_units_on_loan(make_customer, make_book, now):
    book = make_book(units=2)
    for _ in range(2):
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)

    with pytest.raises(UnitsBelowOnLoan) as info:
        set_book_units(book=book, units=1, now=now + HOUR)

    assert (info.value.status, info.value.code) == (409, "units_below_on_loan")
    book.refresh_from_db()
    assert book.units == 2
    assert_book_consistent(book)


def test_units_can_drop_to_units_freed_by_overdue_loans_R16(make_customer, make_book, now):
    book = make_book(units=2)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now)

    set_book_units(book=book, units=1, now=now + 2 * DAY)

    book.refresh_from_db()
    assert (book.units, book.units_on_loan) == (1, 1)
    assert_book_consistent(book)


@pytest.mark.parametrize("units", [-1, "3", 2.0, True, None])
def test_units_must_be_a_whole_number_not_negative(make_book, now, units):
    book = make_book(units=1)
    with pytest.raises(InvalidUnits) as info:
        set_book_units(book=book, units=units, now=now)
    assert (info.value.status, info.value.code) == (400, "invalid_units")
    book.refresh_from_db()
    assert book.units == 1


def test_raising_units_by_two_serves_two_queued_customers_R13(
    make_customer, occupied_book, now, assert_wallet_consistent
):
    book, _, _ = occupied_book
    waiters = [make_customer(Tier.PLUS, balance=10_000) for _ in range(3)]
    entries = [reserve(customer=c, book=book, days=1, now=now + (i + 1) * MINUTE) for i, c in enumerate(waiters)]
    raised_at = now + HOUR

    set_book_units(book=book, units=3, now=raised_at)

    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == [Status.ACTIVE, Status.ACTIVE, Status.QUEUED]
    assert entries[0].starts_at == entries[1].starts_at == raised_at
    book.refresh_from_db()
    assert (book.units, book.units_on_loan) == (3, 3)
    for customer in waiters:
        assert_wallet_consistent(customer)
    assert_book_consistent(book)


# Deletion -------------------------------------------------------------------------------


def test_book_with_live_reservations_cannot_be_deleted(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=1, now=now)

    with pytest.raises(BookHasLiveReservations) as info:
        delete_book(book=book, now=now + HOUR)
    assert (info.value.status, info.value.code) == (409, "book_has_live_reservations")

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)  # the waiter now holds it
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE
    with pytest.raises(BookHasLiveReservations):
        delete_book(book=book, now=now + 2 * HOUR)
    assert Book.objects.filter(pk=book.pk).exists()


def test_book_never_lent_is_deleted_and_one_lent_is_withdrawn_R28(make_book, occupied_book, now):
    book, holder, loan = occupied_book
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    untouched = make_book(units=1)

    assert delete_book(book=book, now=now + 2 * HOUR) is False
    assert delete_book(book=untouched, now=now + 2 * HOUR) is True

    assert not Book.objects.filter(pk=untouched.pk).exists()
    assert Book.objects.get(pk=book.pk).withdrawn_at == now + 2 * HOUR
    assert Reservation.objects.filter(pk=loan.pk).exists()
