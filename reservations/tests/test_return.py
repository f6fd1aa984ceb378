"""Returning a loan through reservations.services.return_reservation (R15), overdue ones included (R16)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Tier
from billing.models import TransactionKind, WalletTransaction
from reservations.exceptions import (
    NotReservationOwner,
    ReservationNotActive,
)
from reservations.expiry import expire_due_reservations
from reservations.models import EndReason, Status
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import (
    DAY,
    HOUR,
    assert_book_consistent,
)

pytestmark = pytest.mark.django_db


# R15 ------------------------------------------------------------------------------------


def test_early_return_releases_the_unit_without_refund_R15(occupied_book, now, assert_wallet_consistent):
    book, holder, loan = occupied_book
    holder.refresh_from_db()
    balance = holder.balance

    returned = return_reservation(customer=holder, reservation=loan, now=now + DAY)

    returned.refresh_from_db()
    assert returned.status == Status.RETURNED
    assert returned.end_reason == EndReason.RETURNED
    assert returned.ended_at == now + DAY
    assert returned.price == 7_000
    holder.refresh_from_db()
    assert holder.balance == balance == 3_000
    assert not WalletTransaction.objects.filter(customer=holder, kind=TransactionKind.REFUND).exists()
    assert_wallet_consistent(holder)
    assert_book_consistent(book)


def test_a_return_locks_the_book_then_reads_the_reservation_once_issue_8(occupied_book, now):
    """The loaded reservation names its book (a reservation never changes book), so the
    return locks it at once, then re-reads the reservation with its customer and not the
    book again; an empty queue costs one lookup of its heads (R13, issue 16), and the unit
    left free one lookup of the book's wishers not told yet (R38)."""
    book, holder, loan = occupied_book

    with CaptureQueriesContext(connection) as queries:
        return_reservation(customer=holder, reservation=loan, now=now + HOUR)

    sqls = [query["sql"] for query in queries.captured_queries]
    assert [sql.split()[0] for sql in sqls] == [
        "SAVEPOINT",
        "SELECT",
        "SELECT",
        "UPDATE",
        "UPDATE",
        "SELECT",
        "SELECT",
        "RELEASE",
    ]
    assert sqls[1].startswith('SELECT "catalog_book"') and sqls[1].endswith("FOR UPDATE")
    assert sqls[6].startswith('SELECT "wishlist_wishedbook"')
    assert sqls[2].startswith('SELECT "reservations_reservation"') and '"catalog_book"' not in sqls[2]
    assert_book_consistent(book)


def test_returning_someone_elses_or_twice_is_refused_R15(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    stranger = make_customer(Tier.PLUS, balance=10_000)

    with pytest.raises(NotReservationOwner) as info:
        return_reservation(customer=stranger, reservation=loan, now=now + HOUR)
    assert (info.value.status, info.value.code) == (403, "not_reservation_owner")
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    with pytest.raises(ReservationNotActive) as info:
        return_reservation(customer=holder, reservation=loan, now=now + 2 * HOUR)
    assert info.value.status == 409
    assert_book_consistent(book)


def test_returned_unit_stays_free_when_queue_is_empty_R13_R15(occupied_book, now):
    book, holder, loan = occupied_book
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    book.refresh_from_db()
    assert book.units_on_loan == 0
    assert book.free_units == 1
    assert_book_consistent(book)


# R15, R16 -------------------------------------------------------------------------------


def test_returning_an_overdue_loan_reports_it_expired_R15_R16(occupied_book, now, assert_wallet_consistent):
    book, holder, loan = occupied_book

    result = return_reservation(customer=holder, reservation=loan, now=now + 8 * DAY)

    assert result.status == Status.EXPIRED
    loan.refresh_from_db()
    assert loan.status == Status.EXPIRED
    assert loan.ended_at == loan.ends_at == now + 7 * DAY
    assert_wallet_consistent(holder)
    assert_book_consistent(book)


def test_returning_a_loan_the_sweep_already_expired_is_409_R15_R16(make_customer, make_book, now):
    customer = make_customer("plus", balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now)
    expire_due_reservations(now=now + timedelta(days=2))
    with pytest.raises(ReservationNotActive):
        return_reservation(customer=customer, reservation=loan, now=now + timedelta(days=3))
