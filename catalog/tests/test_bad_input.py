"""Inputs of the catalog's API and pages that once answered 500 (issue 13): now 400 or ignored (R26)."""

import pytest
from django.test import Client
from django.urls import reverse

from bookstore.tests.api_assertions import assert_invalid
from catalog.tests.factories import BookFactory

pytestmark = pytest.mark.django_db

BOOKS = reverse("api:book-list")


@pytest.fixture
def client_500():
    """A client that answers a crash with the 500 response, as a browser would see it."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("ordering", [",", "title,,id", "title,", ",title", ",,"])
def test_an_empty_ordering_term_is_400_invalid_naming_ordering_R26(client_500, ordering):
    BookFactory()
    body = assert_invalid(client_500.get(BOOKS, {"ordering": ordering}), "ordering")
    assert "empty" in body["errors"]["ordering"][0]


def test_an_empty_ordering_parameter_is_no_ordering(client_500):
    second, first = BookFactory(title="B"), BookFactory(title="A")
    response = client_500.get(BOOKS, {"ordering": ""})
    assert response.status_code == 200
    assert [book["id"] for book in response.json()["results"]] == [first.pk, second.pk]


def test_several_ordering_fields_still_work(client_500):
    dear, cheap = BookFactory(title="A", price=30), BookFactory(title="B", price=10)
    response = client_500.get(BOOKS, {"ordering": "price,-title"})
    assert [book["id"] for book in response.json()["results"]] == [cheap.pk, dear.pk]


@pytest.mark.parametrize("ordering", [",", "title,,id", "nonsense"])
def test_the_catalog_page_ignores_an_ordering_it_does_not_offer(client_500, ordering):
    BookFactory(title="Animal Farm")
    response = client_500.get(reverse("catalog"), {"ordering": ordering})
    assert response.status_code == 200
    assert "Animal Farm" in response.content.decode()
