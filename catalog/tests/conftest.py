"""Fixtures and helpers of the catalog API tests (test_api_*.py): a genre, two authors, an admin, a customer, a book.

The constants and ``book_url`` are plain names, imported from here: ``from catalog.tests.conftest import ...``.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.services import create_book
from catalog.tests.factories import GenreFactory, make_isbn13

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
    "stock",
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
