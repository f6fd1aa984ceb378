"""A book lends and takes back its units through its own methods, F() updates (R9, issue 20)."""

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from bookstore.tests.concurrency import run_together
from catalog.cache import CATALOG_COUNT, CATALOG_PAGES
from catalog.models import Book, lock_book

pytestmark = pytest.mark.django_db(transaction=True)


def test_lend_and_take_back_count_in_the_row_and_in_the_copy(make_book):
    book = make_book(units=2)
    with transaction.atomic():
        locked = lock_book(book)
        locked.lend()
        locked.lend()
        assert locked.units_on_loan == 2
        locked.take_back()
    assert locked.units_on_loan == 1
    assert Book.objects.get(pk=book.pk).units_on_loan == 1


def test_a_unit_the_book_does_not_have_is_refused_by_the_database_R9(make_book):
    book = make_book(units=1)
    book.lend()
    with pytest.raises(IntegrityError), transaction.atomic():
        Book.objects.get(pk=book.pk).lend()
    assert Book.objects.get(pk=book.pk).units_on_loan == 1


def test_the_queryset_takes_back_several_units_of_several_books_R16(make_book):
    books = [make_book(units=3) for _ in range(2)]
    for book in books:
        for _ in range(3):
            book.lend()
    assert Book.objects.filter(pk__in=[b.pk for b in books]).take_back(2) == 2
    assert sorted(Book.objects.filter(pk__in=[b.pk for b in books]).values_list("units_on_loan", flat=True)) == [1, 1]


def test_lending_makes_the_cached_lists_stale_at_commit_and_not_before(make_book):
    book = make_book(units=2)
    pages, count = cache.get(CATALOG_PAGES.key), cache.get(CATALOG_COUNT.key)
    with transaction.atomic():
        lock_book(book).lend()
        assert cache.get(CATALOG_PAGES.key) == pages
    assert cache.get(CATALOG_PAGES.key) != pages
    assert cache.get(CATALOG_COUNT.key) == count  # no book came or went


def test_locking_alone_makes_nothing_stale(make_book):
    book = make_book(units=2)
    pages = cache.get(CATALOG_PAGES.key)
    with transaction.atomic():
        assert lock_book(book).pk == book.pk
    assert cache.get(CATALOG_PAGES.key) == pages


def test_a_new_book_and_a_deleted_one_make_the_count_stale(make_book):
    count = cache.get(CATALOG_COUNT.key)
    book = make_book()
    assert cache.get(CATALOG_COUNT.key) != count
    count = cache.get(CATALOG_COUNT.key)
    Book.objects.get(pk=book.pk).delete()
    assert cache.get(CATALOG_COUNT.key) != count


@pytest.mark.concurrency
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent transactions")
def test_copies_read_before_a_race_lose_no_unit_when_they_lend_and_take_back_at_once(make_book):
    """Without the row lock the services take, absolute writes of a count read earlier would lose units."""
    book = make_book(units=20)
    for _ in range(10):
        book.lend()
    stale = [Book.objects.get(pk=book.pk) for _ in range(16)]

    def lend(copy: Book) -> None:
        with transaction.atomic():
            copy.lend()

    def take_back(copy: Book) -> None:
        with transaction.atomic():
            copy.take_back()

    outcomes = run_together([lambda c=c: lend(c) for c in stale[:10]] + [lambda c=c: take_back(c) for c in stale[10:]])
    assert all(outcome.ok for outcome in outcomes)
    assert Book.objects.get(pk=book.pk).units_on_loan == 10 + 10 - 6
