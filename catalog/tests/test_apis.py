"""Catalog API: cities, genres, books — every endpoint's success path and its errors (SPEC 4, R22, R23, R26)."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import City, Role
from accounts.tests.factories import AuthorFactory, CityFactory, UserFactory
from bookstore.tests.api_assertions import assert_error
from catalog.models import Book, Genre
from catalog.services import create_book
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13
from reservations.models import Reservation, Status
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db

BOOKS = reverse("api:book-list")
BOOK_FIELDS = {
    "id",
    "title",
    "isbn",
    "price",
    "genre",
    "authors",
    "description",
    "units",
    "available_units",
    "queue_length",
}
VALID_ISBN = "978-0-306-40615-7"


def book_url(book_or_id) -> str:
    return reverse("api:book-detail", args=[getattr(book_or_id, "pk", book_or_id)])


@pytest.fixture
def genre():
    return GenreFactory(name="Novel", slug="novel")


@pytest.fixture
def author():
    return AuthorFactory(user__first_name="Sadegh", user__last_name="Hedayat")


@pytest.fixture
def other_author():
    return AuthorFactory()


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def customer(make_customer):
    return make_customer("plus", balance=100_000)


@pytest.fixture
def book(author, genre):
    return create_book(by=author.user, title="The Blind Owl", isbn=make_isbn13(1), price=120_000, genre=genre, units=2)


@pytest.fixture
def payload(genre):
    return {
        "title": "بوف کور",
        "isbn": VALID_ISBN,
        "price": 150_000,
        "genre": genre.pk,
        "description": "رمانی از صادق هدایت",
        "units": 3,
    }


# cities/ and genres/ -----------------------------------------------------------------------


class TestCities:
    def test_anyone_lists_cities_by_name_paginated_R22(self, api_client):
        for name in ["Tabriz", "Esfahan", "Shiraz"]:
            CityFactory(name=name)
        response = api_client.get(reverse("api:city-list"))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 3 and body["next"] is None and body["previous"] is None
        assert [city["name"] for city in body["results"]] == ["Esfahan", "Shiraz", "Tabriz"]
        assert set(body["results"][0]) == {"id", "name"}

    def test_page_size_is_capped_at_100(self, api_client):
        City.objects.bulk_create(City(name=f"City {n:03d}") for n in range(105))
        body = api_client.get(reverse("api:city-list"), {"page_size": 1000}).json()
        assert body["count"] == 105
        assert len(body["results"]) == 100
        assert body["next"] and "page=2" in body["next"]
        second = api_client.get(body["next"]).json()
        assert len(second["results"]) == 5 and second["previous"] and second["next"] is None

    def test_a_page_past_the_end_is_404(self, api_client):
        assert_error(api_client.get(reverse("api:city-list"), {"page": 99}), 404, "not_found")


class TestGenres:
    def test_anyone_lists_genres_with_slug(self, api_client):
        GenreFactory(name="Poetry", slug="poetry")
        GenreFactory(name="History", slug="history")
        body = api_client.get(reverse("api:genre-list")).json()
        assert [(g["name"], g["slug"]) for g in body["results"]] == [("History", "history"), ("Poetry", "poetry")]
        assert set(body["results"][0]) == {"id", "name", "slug"}

    def test_page_size_chooses_the_page_length(self, api_client):
        Genre.objects.bulk_create(Genre(name=f"Genre {n}", slug=f"genre-{n}") for n in range(5))
        body = api_client.get(reverse("api:genre-list"), {"page_size": 2, "page": 2}).json()
        assert body["count"] == 5 and len(body["results"]) == 2
        assert body["next"] and body["previous"]

    def test_a_write_is_405(self, client_for, admin):
        response = client_for(admin).post(reverse("api:genre-list"), {"name": "X"}, format="json")
        assert_error(response, 405, "method_not_allowed")


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

        with django_assert_max_num_queries(4):
            one = queries_for_a_page(1)
        for book in BookFactory.create_batch(99, units=2, authors=authors)[:10]:
            reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        with django_assert_max_num_queries(4):
            hundred = queries_for_a_page(100)
        # count, the page's ids, those rows annotated, the authors with their users (issue 15)
        assert one == hundred == 4

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
        assert found("hedayat") == ["Three Drops of Blood", "بوف کور"]
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


# POST books/ -------------------------------------------------------------------------------


class TestBookCreate:
    def test_an_author_adds_a_book_and_becomes_its_author_R23(self, client_for, author, payload, api_client):
        response = client_for(author.user).post(BOOKS, payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert response["Location"].endswith(book_url(body["id"]))
        assert body["authors"] == [author.pk]
        assert body["isbn"] == "9780306406157"  # stored without hyphens
        assert (body["units"], body["available_units"], body["queue_length"]) == (3, 3, 0)
        book = Book.objects.get(pk=body["id"])
        assert (book.title, book.price, book.description) == ("بوف کور", 150_000, "رمانی از صادق هدایت")
        # and search finds it at once
        found = api_client.get(BOOKS, {"search": "بوف"}).json()["results"]
        assert [b["id"] for b in found] == [book.pk]

    def test_an_author_may_name_co_authors_and_stays_one(self, client_for, author, other_author, payload):
        payload["authors"] = [other_author.pk]
        body = client_for(author.user).post(BOOKS, payload, format="json").json()
        assert body["authors"] == sorted([author.pk, other_author.pk])

    def test_an_admin_adds_a_book_naming_its_authors(self, client_for, admin, author, payload):
        payload["authors"] = [author.pk]
        response = client_for(admin).post(BOOKS, payload, format="json")
        assert response.status_code == 201
        assert response.json()["authors"] == [author.pk]

    def test_an_admin_must_name_an_author(self, client_for, admin, payload):
        body = assert_error(client_for(admin).post(BOOKS, payload, format="json"), 400, "invalid")
        assert "authors" in body["errors"]
        payload["authors"] = []
        body = assert_error(client_for(admin).post(BOOKS, payload, format="json"), 400, "invalid")
        assert "authors" in body["errors"]
        assert not Book.objects.exists()

    def test_description_may_be_left_out(self, client_for, author, payload):
        del payload["description"]
        response = client_for(author.user).post(BOOKS, payload, format="json")
        assert response.status_code == 201 and response.json()["description"] == ""

    def test_anonymous_is_401_R22(self, api_client, payload):
        assert_error(api_client.post(BOOKS, payload, format="json"), 401, "not_authenticated")

    def test_a_customer_is_403_R23(self, client_for, customer, payload):
        assert_error(client_for(customer.user).post(BOOKS, payload, format="json"), 403, "permission_denied")
        assert not Book.objects.exists()

    def test_malformed_json_is_400_R26(self, client_for, author):
        response = client_for(author.user).post(BOOKS, '{"title": "x",', content_type="application/json")
        assert_error(response, 400, "parse_error")

    def test_a_non_json_body_is_415_R26(self, client_for, author, payload):
        response = client_for(author.user).post(BOOKS, payload)  # multipart form
        assert_error(response, 415, "unsupported_media_type")

    def test_a_list_instead_of_an_object_is_400(self, client_for, author, payload):
        response = client_for(author.user).post(BOOKS, json.dumps([payload]), content_type="application/json")
        assert_error(response, 400, "invalid")

    def test_missing_fields_are_named(self, client_for, author):
        body = assert_error(client_for(author.user).post(BOOKS, {}, format="json"), 400, "invalid")
        assert {"title", "isbn", "price", "genre", "units"} <= set(body["errors"])

    @pytest.mark.parametrize(
        "field, value",
        [
            ("price", "cheap"),
            ("price", 12.5),
            ("price", -1),
            ("price", 10**30),
            ("price", None),
            ("units", -1),
            ("units", "many"),
            ("units", 10**12),
            ("units", True),
            ("genre", "novel"),
            ("genre", 987_654),
            ("genre", [1]),
            ("genre", 10**30),
            ("authors", "1"),
            ("authors", [987_654]),
            ("authors", ["x"]),
            ("authors", [10**30]),
            ("authors", list(range(1, 100))),
            ("title", ""),
            ("title", "x" * 10_000),
            ("title", "nul\x00byte"),
            ("title", {"fa": "بوف کور"}),
            ("description", "x" * 10_000),
            ("isbn", "x" * 10_000),
        ],
    )
    def test_wrong_types_and_ranges_are_400_with_the_field_R26(self, client_for, author, payload, field, value):
        payload[field] = value
        response = client_for(author.user).post(BOOKS, payload, format="json")
        body = assert_error(response, 400, "invalid")
        assert field in body["errors"]
        assert not Book.objects.exists()

    @pytest.mark.parametrize("isbn", ["978-0-306-40615-8", "12345", "abcdefghij", "0-306-40615-3"])
    def test_a_bad_isbn_is_400(self, client_for, author, payload, isbn):
        payload["isbn"] = isbn
        body = assert_error(client_for(author.user).post(BOOKS, payload, format="json"), 400, "invalid")
        assert "isbn" in body["errors"]

    def test_isbn10_with_x_and_isbn13_are_accepted(self, client_for, author, payload):
        payload["isbn"] = "0-8044-2957-x"
        body = client_for(author.user).post(BOOKS, payload, format="json").json()
        assert body["isbn"] == "080442957X"

    def test_a_duplicate_isbn_is_400_with_hyphens_or_without(self, client_for, author, payload):
        assert client_for(author.user).post(BOOKS, payload, format="json").status_code == 201
        payload["isbn"] = payload["isbn"].replace("-", "")
        body = assert_error(client_for(author.user).post(BOOKS, payload, format="json"), 400, "invalid")
        assert "isbn" in body["errors"]
        assert Book.objects.count() == 1

    @pytest.mark.parametrize("field", ["available_units", "units_on_loan", "queue_length", "id", "search_document"])
    def test_unknown_or_read_only_fields_are_refused(self, client_for, author, payload, field):
        payload[field] = 5
        body = assert_error(client_for(author.user).post(BOOKS, payload, format="json"), 400, "invalid")
        assert field in body["errors"]
        assert not Book.objects.exists()


# PUT, PATCH books/{id}/ --------------------------------------------------------------------


class TestBookUpdate:
    def test_its_author_patches_a_field(self, client_for, author, book, api_client):
        response = client_for(author.user).patch(book_url(book), {"title": "Buried Alive"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["title"] == "Buried Alive"
        book.refresh_from_db()
        assert (book.title, book.price, book.units) == ("Buried Alive", 120_000, 2)
        assert api_client.get(BOOKS, {"search": "buried"}).json()["count"] == 1
        assert api_client.get(BOOKS, {"search": "blind"}).json()["count"] == 0

    def test_its_author_puts_every_field(self, client_for, author, book, payload):
        response = client_for(author.user).put(book_url(book), payload, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["title"], body["isbn"], body["price"], body["units"]) == ("بوف کور", "9780306406157", 150_000, 3)
        assert body["authors"] == [author.pk]

    def test_put_needs_the_required_fields(self, client_for, author, book):
        body = assert_error(client_for(author.user).put(book_url(book), {"title": "x"}, format="json"), 400, "invalid")
        assert {"isbn", "price", "genre", "units"} <= set(body["errors"])

    def test_an_admin_changes_any_book_and_its_authors_R23(self, client_for, admin, book, other_author):
        response = client_for(admin).patch(book_url(book), {"authors": [other_author.pk], "price": 1}, format="json")
        assert response.status_code == 200
        assert (response.json()["authors"], response.json()["price"]) == ([other_author.pk], 1)

    def test_an_admin_cannot_leave_a_book_without_authors(self, client_for, admin, book, author):
        body = assert_error(client_for(admin).patch(book_url(book), {"authors": []}, format="json"), 400, "invalid")
        assert "authors" in body["errors"]
        assert list(book.authors.all()) == [author]

    def test_an_author_stays_an_author_of_their_book(self, client_for, author, other_author, book):
        body = client_for(author.user).patch(book_url(book), {"authors": [other_author.pk]}, format="json").json()
        assert body["authors"] == sorted([author.pk, other_author.pk])

    def test_another_author_is_403_R23(self, client_for, other_author, book):
        response = client_for(other_author.user).patch(book_url(book), {"title": "Mine now"}, format="json")
        assert_error(response, 403, "permission_denied")
        book.refresh_from_db()
        assert book.title == "The Blind Owl"

    def test_a_customer_is_403_R23(self, client_for, customer, book, payload):
        assert_error(client_for(customer.user).put(book_url(book), payload, format="json"), 403, "permission_denied")

    def test_anonymous_is_401_R22(self, api_client, book):
        assert_error(api_client.patch(book_url(book), {"title": "x"}, format="json"), 401, "not_authenticated")

    def test_an_unknown_book_is_404(self, client_for, author):
        assert_error(client_for(author.user).patch(book_url(987_654), {"title": "x"}, format="json"), 404, "not_found")

    def test_raising_units_serves_the_queue_at_once_R13(self, client_for, author, genre, make_customer):
        book = create_book(by=author.user, title="Rare", isbn=make_isbn13(3), price=1, genre=genre, units=1)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        waiting = reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        assert waiting.status == Status.QUEUED

        response = client_for(author.user).patch(book_url(book), {"units": 2}, format="json")

        assert response.status_code == 200
        assert (response.json()["units"], response.json()["available_units"], response.json()["queue_length"]) == (
            2,
            0,
            0,
        )
        waiting.refresh_from_db()
        assert waiting.status == Status.ACTIVE

    def test_units_below_those_on_loan_is_409_and_changes_nothing(self, client_for, author, book, make_customer):
        for _ in range(2):
            reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        response = client_for(author.user).patch(book_url(book), {"units": 1, "title": "Changed"}, format="json")
        assert_error(response, 409, "units_below_on_loan")
        book.refresh_from_db()
        assert (book.units, book.title) == (2, "The Blind Owl")

    def test_lowering_units_to_those_on_loan_is_allowed(self, client_for, author, book, make_customer):
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        response = client_for(author.user).patch(book_url(book), {"units": 1}, format="json")
        assert response.status_code == 200
        assert (response.json()["units"], response.json()["available_units"]) == (1, 0)

    def test_a_duplicate_isbn_is_400(self, client_for, author, book, genre):
        create_book(by=author.user, title="Other", isbn=VALID_ISBN, price=1, genre=genre, units=1)
        body = assert_error(
            client_for(author.user).patch(book_url(book), {"isbn": "9780306406157"}, format="json"), 400, "invalid"
        )
        assert "isbn" in body["errors"]

    def test_its_own_isbn_again_is_fine(self, client_for, author, book):
        response = client_for(author.user).patch(book_url(book), {"isbn": book.isbn}, format="json")
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "data, field",
        [
            ({"isbn": "978-0-306-40615-8"}, "isbn"),
            ({"price": "free"}, "price"),
            ({"units": -3}, "units"),
            ({"title": "x" * 10_000}, "title"),
            ({"genre": 987_654}, "genre"),
            ({"available_units": 9}, "available_units"),
        ],
    )
    def test_invalid_changes_are_400_R26(self, client_for, author, book, data, field):
        body = assert_error(client_for(author.user).patch(book_url(book), data, format="json"), 400, "invalid")
        assert field in body["errors"]

    def test_malformed_json_is_400_R26(self, client_for, author, book):
        response = client_for(author.user).patch(book_url(book), "{", content_type="application/json")
        assert_error(response, 400, "parse_error")


# DELETE books/{id}/ ------------------------------------------------------------------------


class TestBookDelete:
    def test_its_author_deletes_a_book(self, client_for, author, book):
        response = client_for(author.user).delete(book_url(book))
        assert response.status_code == 204
        assert not Book.objects.filter(pk=book.pk).exists()

    def test_a_book_with_only_finished_reservations_is_withdrawn_R28(self, client_for, admin, book, make_customer):
        holder = make_customer("plus", balance=50_000)
        return_reservation(customer=holder, reservation=reserve(customer=holder, book=book, days=2))
        client = client_for(admin)
        assert client.delete(book_url(book)).status_code == 204
        assert Book.objects.get(pk=book.pk).is_withdrawn  # kept, with its history
        assert holder.reservations.filter(book=book).count() == 1
        assert_error(client.get(book_url(book)), 404, "not_found")

    @pytest.mark.parametrize("queued", [False, True])
    def test_live_reservations_are_409(self, client_for, author, make_customer, genre, queued):
        units = 0 if queued else 1  # with no unit the customer waits in the queue
        book = create_book(by=author.user, title="Held", isbn=make_isbn13(4), price=1, genre=genre, units=units)
        reservation = reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        assert reservation.status == (Status.QUEUED if queued else Status.ACTIVE)
        assert_error(client_for(author.user).delete(book_url(book)), 409, "book_has_live_reservations")
        assert Book.objects.filter(pk=book.pk).exists()

    def test_another_author_is_403_R23(self, client_for, other_author, book):
        assert_error(client_for(other_author.user).delete(book_url(book)), 403, "permission_denied")
        assert Book.objects.filter(pk=book.pk).exists()

    def test_a_customer_is_403_R23(self, client_for, customer, book):
        assert_error(client_for(customer.user).delete(book_url(book)), 403, "permission_denied")

    def test_anonymous_is_401_R22(self, api_client, book):
        assert_error(api_client.delete(book_url(book)), 401, "not_authenticated")
        assert Book.objects.filter(pk=book.pk).exists()

    def test_an_unknown_book_is_404(self, client_for, admin):
        assert_error(client_for(admin).delete(book_url(987_654)), 404, "not_found")
