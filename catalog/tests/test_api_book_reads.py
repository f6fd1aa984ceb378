"""Catalog API: GET books/ (filters, search, ordering, pages) and GET books/{id}/ (SPEC 4, R9, R12, R22, R26)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import AuthorFactory
from bookstore.tests.api_assertions import assert_error
from catalog.models import Book
from catalog.services import create_book
from catalog.tests.conftest import BOOK_FIELDS, BOOKS, VALID_ISBN, book_url
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13
from reservations.models import Reservation, Status
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db

# GET books/ --------------------------------------------------------------------------------


class TestBookList:
    def test_anyone_lists_books_with_the_spec_representation_R22(self, api_client, book, author):
        response = api_client.get(BOOKS)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        item = body["results"][0]
        assert set(item) >= BOOK_FIELDS
        assert item["id"] == book.pk
        assert item["isbn"] == book.isbn
        assert item["price"] == 120_000
        assert item["genre"] == book.genre_id and item["genre_name"] == "Novel"
        assert item["authors"] == [author.pk] and item["author_names"] == ["Sadegh Hedayat"]
        assert (item["units"], item["available_units"], item["queue_length"]) == (2, 2, 0)

    def test_list_shows_available_units_and_queue_length_R9_R12(self, api_client, make_customer):
        book = BookFactory(units=1)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        item = api_client.get(BOOKS).json()["results"][0]
        assert (item["available_units"], item["queue_length"]) == (0, 1)

    def test_an_overdue_loan_counts_as_available_R16(self, api_client, make_customer):
        book = BookFactory(units=1)
        past = timezone.now() - timedelta(days=5)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=1, now=past)
        assert Reservation.objects.get().status == Status.ACTIVE  # the worker has not run
        item = api_client.get(BOOKS).json()["results"][0]
        assert item["available_units"] == 1

    def test_the_list_costs_the_same_queries_for_1_and_for_100_books(
        self, api_client, make_customer, django_assert_max_num_queries
    ):
        authors = [AuthorFactory(), AuthorFactory()]
        first = BookFactory(units=1, authors=authors)
        reserve(customer=make_customer("plus", balance=50_000), book=first, days=2)
        reserve(customer=make_customer("plus", balance=50_000), book=first, days=2)

        def queries_for_a_page(expected_count: int) -> int:
            with CaptureQueriesContext(connection) as captured:
                body = api_client.get(BOOKS, {"page_size": 100}).json()
            assert len(body["results"]) == expected_count
            return len(captured)

        with django_assert_max_num_queries(3):
            one = queries_for_a_page(1)
        for book in BookFactory.create_batch(99, units=2, authors=authors)[:10]:
            reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        with django_assert_max_num_queries(3):
            hundred = queries_for_a_page(100)
        # count, the page's ids, those rows annotated with their authors and users (issue 15)
        assert one == hundred == 3

    def test_filter_by_genre_id_or_slug(self, api_client):
        poetry = GenreFactory(name="Poetry", slug="poetry")
        BookFactory(title="Divan", genre=poetry)
        BookFactory(title="Novel", genre=GenreFactory(name="Fiction", slug="fiction"))
        for value in [poetry.pk, "poetry"]:
            results = api_client.get(BOOKS, {"genre": value}).json()["results"]
            assert [b["title"] for b in results] == ["Divan"]
        assert api_client.get(BOOKS, {"genre": "no-such-genre"}).json()["count"] == 0

    def test_filter_by_persian_genre_slug(self, api_client):
        poetry = GenreFactory(name="شعر", slug="شعر")
        BookFactory(title="دیوان حافظ", genre=poetry)
        BookFactory(title="Other")
        assert [b["title"] for b in api_client.get(BOOKS, {"genre": "شعر"}).json()["results"]] == ["دیوان حافظ"]

    def test_filter_by_author(self, api_client, author, other_author):
        BookFactory(title="Mine", authors=[author])
        BookFactory(title="Both", authors=[author, other_author])
        BookFactory(title="Theirs", authors=[other_author])
        results = api_client.get(BOOKS, {"author": author.pk}).json()["results"]
        assert [b["title"] for b in results] == ["Both", "Mine"]

    def test_filter_by_availability_R9(self, api_client, make_customer):
        taken = BookFactory(title="Taken", units=1)
        BookFactory(title="Free", units=1)
        BookFactory(title="None owned", units=0)
        reserve(customer=make_customer("plus", balance=50_000), book=taken, days=2)
        assert [b["title"] for b in api_client.get(BOOKS, {"available": "true"}).json()["results"]] == ["Free"]
        falses = api_client.get(BOOKS, {"available": "false"}).json()["results"]
        assert [b["title"] for b in falses] == ["None owned", "Taken"]

    def test_ordering(self, api_client, make_customer):
        cheap = BookFactory(title="B", price=10, units=3)
        dear = BookFactory(title="A", price=30, units=1)
        middle = BookFactory(title="C", price=20, units=2)
        reserve(customer=make_customer("plus", balance=50_000), book=middle, days=2)

        def ids(ordering: str) -> list[int]:
            return [b["id"] for b in api_client.get(BOOKS, {"ordering": ordering}).json()["results"]]

        assert ids("title") == [dear.pk, cheap.pk, middle.pk]
        assert ids("-title") == [middle.pk, cheap.pk, dear.pk]
        assert ids("price") == [cheap.pk, middle.pk, dear.pk]
        assert ids("-price") == [dear.pk, middle.pk, cheap.pk]
        assert ids("available_units") == [dear.pk, middle.pk, cheap.pk]
        assert ids("-available_units") == [cheap.pk, dear.pk, middle.pk]  # ties by id
        assert ids("created_at") == [cheap.pk, dear.pk, middle.pk]
        assert ids("-created_at") == [middle.pk, dear.pk, cheap.pk]
        assert ids("-queue_length,title") == [dear.pk, cheap.pk, middle.pk]

    def test_search_in_persian_english_author_and_isbn(self, api_client, author, genre):
        create_book(by=author.user, title="بوف کور", isbn=VALID_ISBN, price=1, genre=genre, units=1)
        create_book(by=author.user, title="Three Drops of Blood", isbn=make_isbn13(7), price=1, genre=genre, units=1)
        create_book(
            by=AuthorFactory(user__last_name="Costello").user,
            title="Other",
            isbn=make_isbn13(8),
            price=1,
            genre=genre,
            units=1,
        )

        def found(text: str) -> list[str]:
            return [b["title"] for b in api_client.get(BOOKS, {"search": text}).json()["results"]]

        assert found("بوف کور") == ["بوف کور"]
        assert found("drops blood") == ["Three Drops of Blood"]
        assert found("costello") == ["Other"]
        assert found("hedayat") == ["بوف کور", "Three Drops of Blood"]  # Persian titles first (R40)
        assert found(VALID_ISBN) == ["بوف کور"]
        assert found("9780306406157") == ["بوف کور"]

    def test_search_combines_with_filters_and_ordering(self, api_client, author, genre):
        poetry = GenreFactory(name="Poetry", slug="poetry")
        create_book(by=author.user, title="Owl Poems", isbn=make_isbn13(11), price=5, genre=poetry, units=1)
        create_book(by=author.user, title="Owl Novel", isbn=make_isbn13(12), price=9, genre=genre, units=1)
        create_book(by=author.user, title="Owl Songs", isbn=make_isbn13(13), price=1, genre=poetry, units=1)
        results = api_client.get(BOOKS, {"search": "owl", "genre": "poetry", "ordering": "-price"}).json()["results"]
        assert [b["title"] for b in results] == ["Owl Poems", "Owl Songs"]

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"author": "abc"}, "author"),
            ({"author": "1.5"}, "author"),
            ({"author": "0"}, "author"),
            ({"author": str(10**30)}, "author"),
            ({"available": "maybe"}, "available"),
            ({"ordering": "units_on_loan"}, "ordering"),
            ({"ordering": "search_document"}, "ordering"),
            ({"search": "x" * 10_000}, "search"),
            ({"genre": "g" * 10_000}, "genre"),
        ],
    )
    def test_malformed_parameters_are_400_R26(self, api_client, params, field):
        body = assert_error(api_client.get(BOOKS, params), 400, "invalid")
        assert field in body["errors"]

    def test_a_search_with_a_nul_character_is_400_R26(self, api_client):
        assert_error(api_client.get(BOOKS, {"search": "owl\x00"}), 400, "invalid")

    def test_a_huge_genre_id_is_taken_as_a_slug_R26(self, api_client, book):
        assert api_client.get(BOOKS, {"genre": str(10**30)}).json()["count"] == 0

    def test_page_size_is_capped_at_100(self, api_client, author):
        BookFactory.create_batch(101, authors=[author])
        body = api_client.get(BOOKS, {"page_size": 500}).json()
        assert body["count"] == 101 and len(body["results"]) == 100 and body["next"]

    def test_pages_neither_repeat_nor_skip_books_with_equal_sort_keys(self, api_client, author):
        BookFactory.create_batch(7, authors=[author], price=100)
        seen = []
        url = BOOKS + "?ordering=price&page_size=3"
        while url:
            body = api_client.get(url).json()
            seen += [b["id"] for b in body["results"]]
            url = body["next"]
        assert sorted(seen) == sorted(Book.objects.values_list("id", flat=True)) and len(seen) == 7


# GET books/{id}/ ---------------------------------------------------------------------------


class TestBookDetail:
    def test_anyone_reads_a_book_with_availability_and_queue_R22(self, api_client, book, make_customer):
        for _ in range(3):
            reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        response = api_client.get(book_url(book))
        assert response.status_code == 200
        body = response.json()
        assert set(body) >= BOOK_FIELDS
        assert (body["title"], body["units"], body["available_units"], body["queue_length"]) == (
            "The Blind Owl",
            2,
            0,
            1,
        )

    def test_the_queue_shrinks_when_a_unit_is_returned_R13(self, api_client, make_customer):
        book = BookFactory(units=1)
        holder = make_customer("plus", balance=50_000)
        held = reserve(customer=holder, book=book, days=2)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        return_reservation(customer=holder, reservation=held)
        body = api_client.get(book_url(book)).json()
        assert (body["available_units"], body["queue_length"]) == (0, 0)

    @pytest.mark.parametrize("book_id", [987_654, 10**30])
    def test_an_unknown_book_is_404(self, api_client, book_id):
        assert_error(api_client.get(book_url(book_id)), 404, "not_found")

    def test_a_post_to_a_book_is_405(self, client_for, admin, book):
        assert_error(client_for(admin).post(book_url(book), {}, format="json"), 405, "method_not_allowed")
