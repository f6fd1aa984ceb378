"""The API's book, written out (issue 15): the same answer as DRF's field-by-field walk.

``BookOutputSerializer.to_representation`` builds the dict itself; these tests hold it to
what the declared fields write through ``serializers.Serializer.to_representation``, on
books that use each field's odd cases: no cover and a cover, rated and not, an author with
no full name, several authors, a book with a free unit and one with a queue (R9, R12, R31).
"""

import pytest
from django.utils import timezone, translation
from rest_framework import serializers

from accounts.tests.factories import AuthorFactory
from catalog.book_serializers import BookDetailOutputSerializer, BookOutputSerializer
from catalog.models import Book
from catalog.selectors import book_detail, book_page
from catalog.tests.factories import BookFactory
from reservations.services import reserve

pytestmark = pytest.mark.django_db


def walked(serializer: serializers.Serializer, book: Book) -> dict:
    """What DRF's generic walk over the declared fields answers for `book`."""
    return serializers.Serializer.to_representation(serializer, book)


@pytest.fixture
def books(make_customer, now):
    plain = BookFactory(title="Plain", units=2)
    AuthorFactory(user__first_name="", user__last_name="", user__username="nameless").books.add(plain)
    rated = BookFactory(title="Rated", units=1, description="A story\nof two lines")
    rated.authors.add(AuthorFactory(user__first_name="Sadegh", user__last_name="Hedayat"), AuthorFactory())
    Book.objects.filter(pk=rated.pk).update(rating_count=3, rating_sum=13, cover="covers/rated.png")
    reserve(customer=make_customer("plus", balance=50_000), book=rated, days=3, now=now)
    reserve(customer=make_customer("premium", balance=50_000), book=rated, days=3, now=now)  # queued
    return [plain, rated]


@pytest.mark.parametrize("language, zone", [("fa", "Asia/Tehran"), ("en", "UTC")])
def test_a_page_of_books_is_written_as_the_declared_fields_write_it_R9_R12(books, now, language, zone):
    page = book_page(number=1, size=20, now=now)
    serializer = BookOutputSerializer()
    with translation.override(language), timezone.override(zone):
        for book in page.books:
            written = serializer.to_representation(book)
            assert written == walked(serializer, book)
            assert list(written) == list(serializer.fields), "the same keys in the declared order"
            assert written["created_at"].endswith("Z") is (zone == "UTC")
    rated = next(book for book in page.books if book.title == "Rated")
    assert serializer.to_representation(rated)["rating"] == 4.3
    assert serializer.to_representation(rated)["cover"] is not None
    assert serializer.to_representation(rated)["queue_length"] == 1


def test_one_book_with_a_queue_is_written_with_its_wait_estimate_R31(books, now):
    serializer = BookDetailOutputSerializer(context={"now": now})
    for book in books:
        shown = book_detail(book_id=book.pk, now=now)
        written = serializer.to_representation(shown)
        assert written == walked(serializer, shown)
        assert list(written) == list(serializer.fields)
    rated = serializer.to_representation(book_detail(book_id=books[1].pk, now=now))
    assert rated["available_units"] == 0 and rated["expected_between"]["plus"] is not None


def test_a_field_declared_but_not_written_fails_the_comparison(books, now):
    """The check above would catch a field added to the serializer and not to the dict."""

    class WithMore(BookOutputSerializer):
        extra = serializers.IntegerField(source="units")

    book = book_page(number=1, size=20, now=now).books[0]
    assert WithMore().to_representation(book) != walked(WithMore(), book)


def test_authors_read_with_the_book_hold_their_other_fields_deferred_not_defaulted(now):
    """catalog.book_authors reads only the shown fields: any other comes from the database on use."""
    author = AuthorFactory(bio="Wrote in Tehran", user__first_name="Sadegh", user__email="s@example.com")
    book = BookFactory(units=1, authors=[author])
    for shown in (book_detail(book_id=book.pk, now=now), book_page(number=1, size=20, now=now).books[0]):
        (read,) = shown.authors.all()
        assert (read.pk, read.user.first_name, read.display_name) == (author.pk, "Sadegh", author.display_name)
        assert read.get_deferred_fields() == {"bio", "city_id", "goodreads_link", "bank_account_number"}
        assert (read.bio, read.user.email) == ("Wrote in Tehran", "s@example.com")
