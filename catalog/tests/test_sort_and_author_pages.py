"""The catalog page sorts and shows an author's books (issue 17): ``?sort=`` and ``?author=<id>``."""

import re

import pytest

from accounts.tests.factories import AuthorFactory
from catalog.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<h2 dir="auto"><a href="/books/\d+/">([^<]+)</a></h2>', response.content.decode())


@pytest.fixture
def books():
    BookFactory(title="Middle", price=20_000)
    BookFactory(title="Cheap", price=10_000)
    BookFactory(title="Dear", price=90_000)


def test_the_catalog_sorts_by_title_by_default_and_by_price_when_asked(client, books):
    assert titles(client.get("/")) == ["Cheap", "Dear", "Middle"]
    assert titles(client.get("/?sort=price")) == ["Cheap", "Middle", "Dear"]
    assert titles(client.get("/?sort=-price")) == ["Dear", "Middle", "Cheap"]
    page = client.get("/?sort=-price").content.decode()
    assert '<option value="-price" selected>' in page  # the menu says what is shown


def test_the_newest_books_first(client):
    first, second = BookFactory(title="Older"), BookFactory(title="Newer")
    assert first.created_at <= second.created_at
    assert titles(client.get("/?sort=-created_at")) == ["Newer", "Older"]


def test_a_sort_the_page_does_not_offer_is_a_400_with_the_form_error(client, books):
    answer = client.get("/?sort=description")
    assert answer.status_code == 400 and "Select a valid choice" in answer.content.decode()


def test_an_authors_name_links_to_their_books(client):
    hedayat = AuthorFactory(user__first_name="Sadegh", user__last_name="Hedayat")
    BookFactory(title="The Blind Owl", authors=[hedayat])
    BookFactory(title="Three Drops of Blood", authors=[hedayat])
    other = BookFactory(title="Kelidar", authors=[AuthorFactory()])
    assert f'href="/?author={hedayat.pk}"' in client.get("/").content.decode()
    assert f'href="/?author={hedayat.pk}"' in client.get(f"/books/{other.pk - 1}/").content.decode()

    page = client.get(f"/?author={hedayat.pk}")
    assert titles(page) == ["The Blind Owl", "Three Drops of Blood"]
    html = page.content.decode()
    assert "Books by <bdi>Sadegh Hedayat</bdi>" in html and "The whole catalog" in html
    # Searching and sorting stay within the author's books.
    assert f'name="author" value="{hedayat.pk}"' in html
    assert titles(client.get(f"/?author={hedayat.pk}&q=drops")) == ["Three Drops of Blood"]


def test_an_author_that_does_not_exist_is_a_400_not_an_empty_page(client, books):
    assert client.get("/?author=999999").status_code == 400
    assert client.get("/?author=abc").status_code == 400
