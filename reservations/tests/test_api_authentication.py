"""Every reservations endpoint wants a valid access token (R22)."""

import pytest

from bookstore.tests.api_assertions import assert_error
from reservations.tests.conftest import URL, detail_url

pytestmark = pytest.mark.django_db


def test_anonymous_gets_401_everywhere_R22(api_client, held_book):
    book, loan = held_book
    calls = [
        ("get", URL),
        ("post", URL),
        ("get", detail_url(loan)),
        ("delete", detail_url(loan)),
        ("post", f"{detail_url(loan)}return/"),
        ("post", f"{detail_url(loan)}end/"),
        ("get", f"/api/v1/books/{book.pk}/holders/"),
    ]
    for method, url in calls:
        response = getattr(api_client, method)(url, format="json")
        assert_error(response, 401, "not_authenticated")


def test_a_bad_token_gets_401_R22(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(URL)

    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "code"}
