"""R34: stock for sale on the book, apart from the lending units, set by its authors and admins.

Stock is a counter checkout (R35) will lower under the book's lock, so it is owned like
`units` (R27): only ``update_book`` writes it, under that lock, and a form opened before
the count changed does not write back the count it showed.
"""

import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import Role
from accounts.tests.conftest import text_of
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.models import Book
from catalog.services import update_book
from catalog.tests.conftest import BOOKS, book_url
from catalog.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return AuthorFactory()


@pytest.fixture
def book(author):
    return BookFactory(units=2, stock=3, price=250_000, authors=[author])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_form(book: Book, **changes) -> dict:
    """The admin change form as it was shown for `book`, with `changes` typed in."""
    shown = {
        "title": book.title,
        "isbn": book.isbn,
        "price": book.price,
        "genre": book.genre_id,
        "description": book.description,
        "units": book.units,
        "stock": book.stock,
        "initial-stock": book.stock,
        "authors": [author.pk for author in book.authors.all()],
    }
    return {**shown, **changes, "_save": "Save"}


def author_form(book: Book, **changes) -> dict:
    """The author's edit form as it was shown for `book`, with `changes` typed in."""
    shown = {
        "title": book.title,
        "isbn": book.isbn,
        "price": book.price,
        "genre": book.genre_id,
        "units": book.units,
        "stock": book.stock,
        "initial-stock": book.stock,
        "description": book.description,
    }
    return {**shown, **changes}


def sell_meanwhile(book: Book, stock: int) -> None:
    """What checkout (R35) will do while a form is open: change the stock under the lock."""
    update_book(book=book, by=UserFactory(role=Role.ADMIN), data={"stock": stock})


def test_negative_stock_is_refused_by_the_database_R34(book):
    with pytest.raises(IntegrityError), transaction.atomic():
        Book.objects.filter(pk=book.pk).update(stock=-1)


def test_a_new_book_has_no_stock_and_stock_is_not_units_R34():
    book = BookFactory(units=4)
    assert (book.stock, book.units) == (0, 4)


def test_its_author_sets_stock_on_the_edit_page_R34(book, author):
    response = logged_in(author.user).post(f"/author/books/{book.pk}/edit/", author_form(book, stock=7))
    assert response.status_code == 302
    book.refresh_from_db()
    assert (book.stock, book.units) == (7, 2)


def test_the_author_form_shows_the_stock_field_R34(book, author):
    html = logged_in(author.user).get(f"/author/books/{book.pk}/edit/").content.decode()
    assert 'for="id_stock"' in html and 'name="initial-stock"' in html


def test_an_admin_sets_stock_in_the_admin_site_and_sees_the_column_R34(book):
    admin = logged_in(UserFactory(role=Role.ADMIN, is_superuser=True))
    response = admin.post(f"/admin/catalog/book/{book.pk}/change/", admin_form(book, stock=9))
    assert response.status_code == 302
    book.refresh_from_db()
    assert (book.stock, book.units) == (9, 2)
    listing = admin.get("/admin/catalog/book/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "column-stock_count" in listing and re.search(r'field-stock_count">9<', listing)


def test_another_author_cannot_set_stock_R34(book, client_for):
    other = AuthorFactory()
    assert logged_in(other.user).post(f"/author/books/{book.pk}/edit/", author_form(book, stock=0)).status_code == 403
    assert client_for(other.user).patch(book_url(book), {"stock": 0}, format="json").status_code == 403
    book.refresh_from_db()
    assert book.stock == 3


def test_an_admin_save_does_not_write_back_a_stale_stock_R27_R34(book):
    admin = logged_in(UserFactory(role=Role.ADMIN, is_superuser=True))
    form = admin_form(book, price=300_000)  # the admin opened the form at stock 3, changes the price
    sell_meanwhile(book, 1)
    assert admin.post(f"/admin/catalog/book/{book.pk}/change/", form).status_code == 302
    book.refresh_from_db()
    assert (book.stock, book.price) == (1, 300_000)


def test_an_author_edit_does_not_write_back_a_stale_stock_R27_R34(book, author):
    form = author_form(book, title="Buried Alive")  # opened at stock 3
    sell_meanwhile(book, 1)
    assert logged_in(author.user).post(f"/author/books/{book.pk}/edit/", form).status_code == 302
    book.refresh_from_db()
    assert (book.stock, book.title) == (1, "Buried Alive")


def test_a_stale_full_save_keeps_the_stock_R27_R34(book):
    stale = Book.objects.get(pk=book.pk)
    sell_meanwhile(book, 0)
    stale.title = "Renamed"
    stale.save()
    assert Book.objects.values_list("stock", "title").get(pk=book.pk) == (0, "Renamed")


def test_the_api_shows_stock_R34(book, api_client):
    assert api_client.get(book_url(book)).json()["stock"] == 3
    listed = api_client.get(BOOKS).json()["results"]
    assert [row["stock"] for row in listed] == [3]


def test_the_api_takes_stock_from_authors_and_admins_R34(book, author, client_for, payload):
    response = client_for(author.user).patch(book_url(book), {"stock": 5}, format="json")
    assert (response.status_code, response.json()["stock"], response.json()["units"]) == (200, 5, 2)
    admin = client_for(UserFactory(role=Role.ADMIN))
    response = admin.post(BOOKS, {**payload, "stock": 4, "authors": [author.pk]}, format="json")
    assert (response.status_code, response.json()["stock"]) == (201, 4)
    without = client_for(author.user).post(BOOKS, {**payload, "isbn": "0306406152"}, format="json")
    assert (without.status_code, without.json()["stock"]) == (201, 0)


@pytest.mark.parametrize("stock", [-1, "many", 10**7, None])
def test_the_api_refuses_bad_stock_R34(book, author, client_for, stock):
    response = client_for(author.user).patch(book_url(book), {"stock": stock}, format="json")
    assert response.status_code == 400
    assert "stock" in response.json()["errors"]


def test_the_book_page_shows_the_copies_for_sale_in_english_R34(book, client):
    text = text_of(client.get(f"/books/{book.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "For sale: 3 copies at 250,000 toman" in text
    Book.objects.filter(pk=book.pk).update(stock=1)
    text = text_of(client.get(f"/books/{book.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "For sale: 1 copy at 250,000 toman" in text


def test_the_book_page_shows_the_copies_for_sale_in_persian_R34_R40(book, client):
    text = text_of(client.get(f"/books/{book.pk}/", HTTP_ACCEPT_LANGUAGE="fa"))
    assert "برای فروش: ۳ نسخه به قیمت ۲۵۰٬۰۰۰ تومان" in text


@pytest.mark.parametrize(("language", "words"), [("en", "Not for sale"), ("fa", "فروشی نیست")])
def test_a_book_without_stock_is_not_for_sale_R34(author, client, language, words):
    book = BookFactory(stock=0, authors=[author])
    assert words in text_of(client.get(f"/books/{book.pk}/", HTTP_ACCEPT_LANGUAGE=language))
