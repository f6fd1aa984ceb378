"""R38 under a race on PostgreSQL: two copies returned at once tell each wisher once."""

import pytest
from django.db import connection

from accounts.models import Notification, Tier
from bookstore.tests.concurrency import run_together
from reservations.services import reserve, return_reservation
from wishlist.models import WishedBook
from wishlist.services import add_wish

if connection.vendor != "postgresql":
    pytest.skip(
        "Concurrency tests need PostgreSQL row locks; set DATABASE_URL=postgres://...",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_two_units_returned_at_once_tell_each_wisher_once_R38(make_customer, make_book, now):
    book = make_book(units=2, stock=0)
    holders = [make_customer(Tier.PLUS, balance=20_000) for _ in range(2)]
    loans = [reserve(customer=holder, book=book, days=5, now=now) for holder in holders]
    wishers = [make_customer(Tier.FREE) for _ in range(5)]
    for wisher in wishers:
        add_wish(customer=wisher, book=book, now=now)

    outcomes = run_together(
        [
            lambda holder=holder, loan=loan: return_reservation(customer=holder, reservation=loan)
            for holder, loan in zip(holders, loans, strict=True)
        ]
    )

    assert all(outcome.ok for outcome in outcomes)
    for wisher in wishers:
        assert Notification.objects.filter(user=wisher.user, kind=Notification.Kind.WISHED_FREE).count() == 1
    assert not WishedBook.objects.filter(book=book, free_alerted_at__isnull=True).exists()


def test_a_wish_added_while_a_copy_comes_back_is_told_or_marked_R38(make_customer, make_book, now):
    """Adding locks the book as the release does: the entry is told, or wished with the copy seen free."""
    book = make_book(units=1, stock=0)
    holder = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=holder, book=book, days=5, now=now)
    wisher = make_customer(Tier.FREE)

    outcomes = run_together(
        [lambda: return_reservation(customer=holder, reservation=loan), lambda: add_wish(customer=wisher, book=book)]
    )

    assert all(outcome.ok for outcome in outcomes)
    assert WishedBook.objects.get(customer=wisher).free_alerted_at is not None
