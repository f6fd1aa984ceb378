"""Author pages: my books, add a book, edit an own book (R23, R13, SPEC section 5)."""

import re

import pytest
from django.test import Client

from accounts.models import Role
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.models import Book
from catalog.tests.factories import BookFactory, GenreFactory
from reservations.models import Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db

AUTHOR_PAGES = ["/author/books/", "/author/books/new/"]


@pytest.fixture
def author():
    return AuthorFactory(user__first_name="Sadegh", user__last_name="Hedayat")


@pytest.fixture
def author_client(client, author):
    client.force_login(author.user)
    return client


def book_form(book: Book | None = None, **changes) -> dict:
    """The POST body of the book form: the book's current values, or a new book's, with `changes`."""
    if book is not None:
        data = {
            "title": book.title,
            "isbn": book.isbn,
            "price": book.price,
            "genre": book.genre_id,
            "units": book.units,
            "stock": book.stock,
            "description": book.description,
        }
    else:
        data = {
            "title": "بوف کور",
            "isbn": "978-0-306-40615-7",
            "price": 120_000,
            "genre": GenreFactory(name="Novel", slug="novel").pk,
            "units": 2,
            "stock": 0,
            "description": "A novel.",
        }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def test_my_books_lists_own_books_with_units_on_loan_and_queue_R23(author_client, author, make_customer):
    mine = BookFactory(title="Buried Alive", units=1, authors=[author])
    BookFactory(title="Someone Else's Book", authors=[AuthorFactory()])
    reserve(customer=make_customer("plus", balance=10_000), book=mine, days=2)
    reserve(customer=make_customer("plus", balance=10_000), book=mine, days=3)

    response = author_client.get("/author/books/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Buried Alive" in html and "Someone Else" not in html
    row = re.search(rf'<tr data-book="{mine.pk}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'class="num units">1<', row)
    assert re.search(r'class="num on-loan">1<', row)
    assert re.search(r'class="num queue">1<', row)
    assert f'href="/author/books/{mine.pk}/edit/"' in row
    assert 'href="/author/books/new/"' in html
    assert h1_count(response) == 1


def test_author_adds_a_book_and_becomes_one_of_its_authors_with_co_authors_R23(author_client, author):
    co_author = AuthorFactory()
    response = author_client.get("/author/books/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "csrfmiddlewaretoken" in html and h1_count(response) == 1
    for field in ["title", "isbn", "price", "genre", "units", "description", "co_authors_0"]:
        assert f'for="id_{field}"' in html, field

    response = author_client.post("/author/books/new/", book_form(co_authors=[co_author.pk]), follow=True)

    assert response.redirect_chain == [("/author/books/", 302)]
    book = Book.objects.get(isbn="9780306406157")  # stored compact
    assert book.title == "بوف کور" and book.units == 2 and book.price == 120_000
    assert set(book.authors.all()) == {author, co_author}
    assert "hedayat" in book.search_document  # the service rebuilt what search reads
    assert "was added to the catalog" in response.content.decode()


def test_add_book_with_a_bad_or_taken_isbn_shows_the_error_on_the_field_R26(author_client):
    BookFactory(isbn="9780306406157")
    response = author_client.post("/author/books/new/", book_form())
    assert response.status_code == 400
    html = response.content.decode()
    assert "ISBN already exists" in html
    assert Book.objects.filter(title="بوف کور").count() == 0

    response = author_client.post("/author/books/new/", book_form(isbn="9780306406158"))
    assert response.status_code == 400
    assert "valid ISBN" in response.content.decode()
    response = author_client.post("/author/books/new/", book_form(units=-1, title=""))
    assert response.status_code == 400
    assert Book.objects.filter(title="بوف کور").count() == 0


def test_author_edits_own_book_and_may_drop_co_authors_but_stays_an_author_R23(author_client, author):
    co_author = AuthorFactory()
    book = BookFactory(title="Old title", authors=[author, co_author])
    response = author_client.get(f"/author/books/{book.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Old title"' in html and h1_count(response) == 1
    assert re.search(rf'value="{co_author.pk}"[^>]*checked', html)  # current co-authors are ticked

    response = author_client.post(
        f"/author/books/{book.pk}/edit/", book_form(book, title="New title", price=99_000), follow=True
    )

    assert response.redirect_chain == [("/author/books/", 302)]
    book.refresh_from_db()
    assert book.title == "New title" and book.price == 99_000
    assert list(book.authors.all()) == [author]
    assert "was saved" in response.content.decode()


def test_a_co_author_may_edit_the_book_too_R23(client, author):
    co_author = AuthorFactory()
    book = BookFactory(authors=[author, co_author])
    client.force_login(co_author.user)
    response = client.post(f"/author/books/{book.pk}/edit/", book_form(book, title="Edited by the co-author"))
    assert response.status_code == 302
    book.refresh_from_db()
    assert book.title == "Edited by the co-author"
    assert set(book.authors.all()) == {co_author}  # no co-authors ticked: only the editor stays


def test_another_authors_book_is_a_403_page_and_stays_unchanged_R23(author_client):
    other = BookFactory(title="Not yours", authors=[AuthorFactory()])
    response = author_client.get(f"/author/books/{other.pk}/edit/")
    assert response.status_code == 403
    assert "authors can edit it." in response.content.decode()
    assert h1_count(response) == 1

    response = author_client.post(f"/author/books/{other.pk}/edit/", book_form(other, title="Stolen"))
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.title == "Not yours"


def test_a_missing_book_is_404(author_client):
    assert author_client.get("/author/books/999999/edit/").status_code == 404


def test_raising_units_serves_the_queue_at_once_R13(author_client, author, make_customer, assert_wallet_consistent):
    book = BookFactory(units=1, authors=[author])
    holder = make_customer("plus", balance=10_000)
    waiting = make_customer("plus", balance=10_000)
    reserve(customer=holder, book=book, days=2)
    queued = reserve(customer=waiting, book=book, days=3)
    assert queued.status == Status.QUEUED

    response = author_client.post(f"/author/books/{book.pk}/edit/", book_form(book, units=2))

    assert response.status_code == 302
    book.refresh_from_db()
    queued.refresh_from_db()
    assert book.units == 2 and book.units_on_loan == 2
    assert queued.status == Status.ACTIVE and queued.price == 3_000
    waiting.refresh_from_db()
    assert waiting.balance == 7_000
    assert_wallet_consistent(waiting)


def test_units_below_those_on_loan_is_a_409_form_error_R13(author_client, author, make_customer):
    book = BookFactory(units=2, authors=[author], title="Popular")
    for _ in range(2):
        reserve(customer=make_customer("plus", balance=10_000), book=book, days=2)

    response = author_client.post(f"/author/books/{book.pk}/edit/", book_form(book, units=1, title="Renamed"))

    assert response.status_code == 409
    html = response.content.decode()
    start = html.index('for="id_units"')
    units_group = html[start : html.index("</div>", start)]
    assert "2 units are on loan; units cannot go below that." in units_group
    book.refresh_from_db()
    assert book.units == 2 and book.title == "Popular"  # nothing of the edit was saved


@pytest.mark.parametrize("path", [*AUTHOR_PAGES, "/author/books/{book}/edit/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    path = path.format(book=BookFactory().pk)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.ADMIN])
@pytest.mark.parametrize("path", [*AUTHOR_PAGES, "/author/books/{book}/edit/"])
def test_customers_and_admins_get_the_403_page_R23(client, role, path):
    book = BookFactory(title="Untouched")
    client.force_login(UserFactory(role=role))
    path = path.format(book=book.pk)
    assert client.get(path).status_code == 403
    response = client.post(path, book_form(book, title="Changed"))
    assert response.status_code == 403
    assert "only authors add and edit books" in response.content.decode()
    book.refresh_from_db()
    assert book.title == "Untouched"


def test_the_book_form_is_protected_by_csrf():
    author = AuthorFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author.user)
    assert strict.post("/author/books/new/", book_form()).status_code == 403
    assert not Book.objects.filter(title="بوف کور").exists()
