"""Loans reaching their end (R16): the sweep (expire_due_reservations) and overdue loans it has not reached."""

from datetime import timedelta

import pytest

from accounts.models import Tier
from reservations.expiry import expire_due_reservations
from reservations.models import EndReason, Status
from reservations.services import reserve
from reservations.tests.conftest import (
    DAY,
    MINUTE,
    assert_book_consistent,
)

pytestmark = pytest.mark.django_db


# The sweep ------------------------------------------------------------------------------


def test_expire_due_reservations_ends_due_loans_once_R16(make_customer, make_book, now, assert_wallet_consistent):
    short_book, long_book = make_book(units=1), make_book(units=1)
    customer = make_customer(Tier.PLUS, balance=10_000)
    short = reserve(customer=customer, book=short_book, days=1, now=now)
    long = reserve(customer=customer, book=long_book, days=3, now=now)

    assert expire_due_reservations(now=now + 2 * DAY) == 1
    assert expire_due_reservations(now=now + 2 * DAY) == 0

    short.refresh_from_db()
    long.refresh_from_db()
    assert short.status == Status.EXPIRED
    assert short.end_reason == EndReason.EXPIRED
    assert short.ended_at == short.ends_at == now + DAY
    assert long.status == Status.ACTIVE and long.ended_at is None
    assert_wallet_consistent(customer)
    assert_book_consistent(short_book)
    assert_book_consistent(long_book)


def test_one_sweep_lowers_each_books_units_by_its_own_ended_loans_R9_R16(make_customer, make_book, now):
    """Books ending one, two and three loans in the same sweep transaction, and one ending
    none: each book's units on loan drop by its own count, and nobody else's."""
    books = {ended: make_book(units=4) for ended in (0, 1, 2, 3)}
    customers = [make_customer(Tier.PREMIUM, balance=50_000) for _ in range(4)]
    for ended, book in books.items():
        for customer in customers[:ended]:
            reserve(customer=customer, book=book, days=1, now=now - 2 * DAY)
        if ended < 3:  # and a loan that runs on
            reserve(customer=customers[3], book=book, days=7, now=now - 2 * DAY)

    assert expire_due_reservations(now=now) == 1 + 2 + 3

    for ended, book in books.items():
        book.refresh_from_db()
        assert book.units_on_loan == (1 if ended < 3 else 0), ended
        assert_book_consistent(book)


def test_expiry_at_exactly_ends_at_counts_as_due_R16(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(units=1), days=1, now=now)
    assert expire_due_reservations(now=now + DAY - timedelta(seconds=1)) == 0
    assert expire_due_reservations(now=now + DAY) == 1
    loan.refresh_from_db()
    assert loan.status == Status.EXPIRED


def test_each_expired_unit_is_served_to_the_queue_R13_R16(make_customer, make_book, now, assert_wallet_consistent):
    book = make_book(units=2)
    holders = [make_customer(Tier.PLUS, balance=10_000) for _ in range(2)]
    for holder in holders:
        reserve(customer=holder, book=book, days=1, now=now)
    waiters = [make_customer(Tier.PREMIUM, balance=10_000) for _ in range(3)]
    entries = [reserve(customer=c, book=book, days=2, now=now + (i + 1) * MINUTE) for i, c in enumerate(waiters)]
    swept_at = now + 2 * DAY

    assert expire_due_reservations(now=swept_at) == 2

    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == [Status.ACTIVE, Status.ACTIVE, Status.QUEUED]
    # The loan starts when the unit is actually handed over, not at the old loan's end.
    assert entries[0].starts_at == swept_at
    for customer in holders + waiters:
        assert_wallet_consistent(customer)
    assert_book_consistent(book)


# Overdue loans the sweep has not reached yet --------------------------------------------


def test_overdue_unswept_unit_can_be_reserved_by_a_newcomer_R16(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    overdue = reserve(customer=holder, book=book, days=3, now=now - 10 * DAY)
    newcomer = make_customer(Tier.PLUS, balance=10_000)

    reservation = reserve(customer=newcomer, book=book, days=2, now=now)

    assert reservation.status == Status.ACTIVE
    overdue.refresh_from_db()
    assert overdue.status == Status.EXPIRED
    assert overdue.ended_at == overdue.ends_at
    assert_book_consistent(book)


def test_overdue_unit_goes_to_the_queue_before_a_newcomer_R13_R16(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=holder, book=book, days=3, now=now - 10 * DAY)
    waiter = make_customer(Tier.PLUS, balance=10_000)
    queued = reserve(customer=waiter, book=book, days=2, now=now - 9 * DAY)
    newcomer = make_customer(Tier.PREMIUM, balance=10_000)

    late = reserve(customer=newcomer, book=book, days=2, now=now)

    queued.refresh_from_db()
    assert queued.status == Status.ACTIVE
    assert queued.starts_at == now
    assert late.status == Status.QUEUED
    assert_book_consistent(book)
