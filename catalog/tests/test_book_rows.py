"""The API's page of books written from the rows (catalog.book_rows, issue 15) is what the
serializer writes from the instances, field for field, on books that use each field's odd
cases (the ``books`` of test_book_representation: a cover, a rating, a nameless author,
several authors, a free unit and a queue; R9, R12, R16, R37)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models.profiles import display_name
from accounts.tests.factories import AuthorFactory
from catalog.book_rows import represented_book, represented_page
from catalog.book_serializers import BookDetailOutputSerializer, BookOutputSerializer
from catalog.models import Book
from catalog.selectors import book_detail, book_page, page_fresh_until
from catalog.tests.factories import BookFactory
from catalog.tests.test_book_representation import books  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, zone", [("fa", "Asia/Tehran"), ("en", "UTC")])
def test_the_rows_are_written_as_the_serializer_writes_the_books(books, now, language, zone):  # noqa: F811
    BookFactory(title='Zeta\u2028 "quoted" \\ \u0001', description="", units=0)
    with translation.override(language), timezone.override(zone):
        page = book_page(number=1, size=20, now=now)
        written, ends = represented_page([book.pk for book in page.books], now)
        assert written == BookOutputSerializer(page.books, many=True).data
    assert [list(book) for book in written] == [list(BookOutputSerializer().fields)] * len(written)
    rated = next(book for book in written if book["title"] == "Rated")
    assert (rated["rating"], rated["queue_length"], rated["available_units"]) == (4.3, 1, 0)
    assert rated["cover"] is not None and "Sadegh Hedayat" in rated["author_names"]
    assert "nameless" in next(book for book in written if book["title"] == "Plain")["author_names"]
    assert ends == [book.next_release_at for book in page.books]
    assert page_fresh_until(ends, {}, now) == page_fresh_until([b.next_release_at for b in page.books], {}, now)


def test_rows_come_in_the_order_of_the_ids_and_a_missing_id_is_left_out(books, now):  # noqa: F811
    plain, rated = books
    written, ends = represented_page([rated.pk, 999_999, plain.pk], now)
    assert [book["id"] for book in written] == [rated.pk, plain.pk]
    assert ends[0] is not None and ends[0] > now and ends[1] is None  # rated is on loan (R16)
    assert represented_page([], now) == ([], [])


def test_a_page_longer_than_the_largest_shape_is_read_in_parts(now):
    made = BookFactory.create_batch(105, units=1)
    ids = [book.pk for book in made]
    written, ends = represented_page(ids, now)
    assert [book["id"] for book in written] == ids and ends == [None] * 105


def test_the_display_name_is_the_users_full_name_else_the_username(now):
    for first, last, username in [("", "", "solo"), ("Forugh", "", "f"), ("", "Farrokhzad", "x"), (" ", " ", "sp")]:
        author = AuthorFactory(user__first_name=first, user__last_name=last, user__username=username)
        assert display_name(first, last, username) == (author.user.get_full_name() or username)
        assert author.display_name == display_name(first, last, username)


def test_the_api_list_answers_the_rows(api_client, books, now):  # noqa: F811
    body = api_client.get("/api/v1/books/").json()
    with timezone.override("Asia/Tehran"):
        expected = BookOutputSerializer(book_page(number=1, size=20, now=timezone.now()).books, many=True).data
    assert body["results"] == expected and body["count"] == 2
    assert page_fresh_until([now + timedelta(days=1)], {"available": "true"}, now) > now


@pytest.mark.parametrize("language, zone", [("fa", "Asia/Tehran"), ("en", "UTC")])
def test_one_book_is_written_as_the_detail_serializer_writes_it_R31(books, now, language, zone):  # noqa: F811
    with translation.override(language), timezone.override(zone):
        for book in books:
            expected = BookDetailOutputSerializer(book_detail(book_id=book.pk, now=now), context={"now": now}).data
            assert represented_book(book.pk, now) == expected
            assert list(represented_book(book.pk, now)) == list(BookDetailOutputSerializer().fields)
    rated = represented_book(books[1].pk, now)
    assert rated["available_units"] == 0 and rated["expected_between"]["plus"] is not None  # R31
    assert represented_book(books[0].pk, now)["expected_between"] is None  # a unit is free


def test_no_book_withdrawn_or_out_of_range_is_none_R28(books, now):  # noqa: F811
    plain, _ = books
    Book.objects.filter(pk=plain.pk).update(withdrawn_at=now)
    for pk in (plain.pk, 999_999, 0, -1, 2**63):
        assert represented_book(pk, now) is None
