"""Catalog API: POST books/ — authors and admins add books; a bad body is a 4xx naming its field (R22, R23, R26)."""

import json

import pytest

from bookstore.tests.api_assertions import assert_error
from catalog.models import Book
from catalog.tests.conftest import BOOKS, book_url

pytestmark = pytest.mark.django_db

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
