"""Reviews written, edited and hidden at once, with real threads on PostgreSQL (R37).

The book's ``rating_count`` and ``rating_sum`` change under its row lock in each use case's
transaction, so none of simultaneous reviews is lost and the average is that of the
visible reviews; one customer's two simultaneous reviews make one review, not two.
"""

from functools import partial

import pytest
from django.db import connection

from bookstore.tests.concurrency import run_together
from reviews.models import Review
from reviews.services import edit_review, hide_review, write_review

if connection.vendor != "postgresql":
    pytest.skip(
        "Concurrency tests need PostgreSQL row locks; set DATABASE_URL=postgres://...",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_twenty_customers_reviewing_one_book_at_once_all_count_R37(make_book, make_borrower):
    book = make_book(units=20)
    readers = [make_borrower(book) for _ in range(20)]
    ratings = [index % 5 + 1 for index in range(20)]  # four of each: average 3.0
    outcomes = run_together(
        [
            partial(write_review, customer=reader, book=book.pk, rating=rating)
            for reader, rating in zip(readers, ratings, strict=True)
        ]
    )
    assert all(outcome.ok for outcome in outcomes)
    book.refresh_from_db()
    assert (book.rating_count, book.rating_sum, book.rating_average) == (20, 60, 3.0)
    assert Review.objects.visible().filter(book=book).count() == 20


def test_one_customers_simultaneous_reviews_make_one_R37(make_book, make_borrower):
    book = make_book()
    reader = make_borrower(book)
    outcomes = run_together([partial(write_review, customer=reader, book=book.pk, rating=5) for _ in range(6)])
    assert sum(outcome.ok for outcome in outcomes) == 1
    assert {outcome.refusal.code for outcome in outcomes if not outcome.ok} == {"already_reviewed"}
    book.refresh_from_db()
    assert (book.rating_count, book.rating_sum) == (1, 5)


def test_edits_hides_and_new_reviews_at_once_keep_the_sums_exact_R37(make_book, make_borrower, admin_user):
    book = make_book(units=15)
    edited = [write_review(customer=make_borrower(book), book=book, rating=1) for _ in range(5)]
    hidden = [write_review(customer=make_borrower(book), book=book, rating=2) for _ in range(5)]
    newcomers = [make_borrower(book) for _ in range(5)]
    calls = [partial(edit_review, customer=review.customer, review=review.pk, rating=5) for review in edited]
    calls += [partial(hide_review, review=review.pk, by=admin_user) for review in hidden]
    calls += [partial(write_review, customer=reader, book=book.pk, rating=4) for reader in newcomers]
    assert all(outcome.ok for outcome in run_together(calls))
    book.refresh_from_db()
    visible = list(Review.objects.visible().filter(book=book).values_list("rating", flat=True))
    assert (book.rating_count, book.rating_sum) == (len(visible), sum(visible)) == (10, 45)
