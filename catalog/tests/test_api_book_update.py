"""Catalog API: PUT and PATCH books/{id}/ — a book's authors and admins change it (SPEC 4, R13, R23, R26)."""

import pytest

from bookstore.tests.api_assertions import assert_error
from catalog.services import create_book
from catalog.tests.conftest import BOOKS, VALID_ISBN, book_url
from catalog.tests.factories import make_isbn13
from reservations.models import Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db

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
