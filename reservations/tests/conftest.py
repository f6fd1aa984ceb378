"""Fixtures and helpers of the reservations tests (the root conftest gives customers, books and wallets).

The helpers are plain functions, imported from here: ``from reservations.tests.conftest import ...``.
"""

from datetime import timedelta

import pytest

from accounts.models import Notification, Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.models import TransactionKind, WalletTransaction
from catalog.models import Book
from reservations.models import Reservation, Status
from reservations.services import reserve

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

URL = "/api/v1/reservations/"


def detail_url(reservation) -> str:
    return f"{URL}{reservation.pk}/"


def assert_book_consistent(book: Book) -> None:
    """units_on_loan equals the book's active reservations and stays within 0..units (R9)."""
    book.refresh_from_db()
    active = Reservation.objects.filter(book=book, status=Status.ACTIVE).count()
    assert book.units_on_loan == active
    assert 0 <= book.units_on_loan <= book.units


def ledger_rows(customer) -> int:
    return WalletTransaction.objects.filter(customer=customer).count()


def notified(customer, kind: str) -> bool:
    return Notification.objects.filter(user=customer.user, kind=kind).exists()


def fill_active_limit(customer, count, make_book, at, days=7):
    """Give `customer` `count` active reservations on fresh one-unit books."""
    return [reserve(customer=customer, book=make_book(units=1), days=days, now=at) for _ in range(count)]


def assert_dropped(entry, customer, reason, released_at):
    """The queue entry was dropped at the release with `reason`, uncharged, and its customer told (R13)."""
    entry.refresh_from_db()
    assert entry.status == Status.DROPPED
    assert entry.end_reason == reason
    assert entry.ended_at == released_at
    assert entry.price is None
    assert notified(customer, Notification.Kind.DROPPED)
    assert not WalletTransaction.objects.filter(
        customer=customer, kind=TransactionKind.RESERVATION, created_at=released_at
    ).exists()


def assert_promoted(entry, customer, released_at):
    """The queue entry became a loan starting at the release, and its customer was told (R13)."""
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE
    assert entry.starts_at == released_at
    assert notified(customer, Notification.Kind.PROMOTED)


@pytest.fixture
def occupied_book(make_customer, make_book, now):
    """A one-unit book held by a Plus customer for 7 days from `now`: (book, holder, loan)."""
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    return book, holder, loan


@pytest.fixture
def held_book(make_customer, make_book, now):
    """A one-unit book held for 3 days by another Plus customer: (book, loan)."""
    book = make_book(units=1)
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    return book, loan


@pytest.fixture
def plus(make_customer):
    """A Plus customer with 50,000 toman in the wallet."""
    return make_customer(Tier.PLUS, balance=50_000)


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def author():
    return AuthorFactory().user
