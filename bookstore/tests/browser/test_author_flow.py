"""An author's flow in a real browser: add a book, edit it, and no way into another's (R23)."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import AuthorFactory
from catalog.models import Book
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_author_adds_and_edits_a_book_but_not_another_authors_R23(page, live_server, log_in):
    author = AuthorFactory(user__username="goli", user__first_name="Goli", user__last_name="Taraghi")
    GenreFactory(name="Novel", slug="novel")
    others_book = BookFactory(title="Not Yours", units=1)
    isbn = make_isbn13(600_123_456)
    log_in(page, "goli")

    # Add a book from "My books".
    page.get_by_role("link", name="My books", exact=True).click()
    expect(page.locator("h1")).to_have_text("My books")
    page.get_by_role("link", name="Add a book").first.click()
    page.get_by_label("Title").fill("خاطرات پراکنده")
    page.get_by_label("ISBN").fill(f"{isbn[:3]}-{isbn[3:4]}-{isbn[4:9]}-{isbn[9:12]}-{isbn[12]}")
    page.get_by_label("List price (toman)").fill("180000")
    page.get_by_label("Genre").select_option(label="Novel")
    page.get_by_label("Units (copies the library owns)").fill("2")
    page.get_by_label("Description").fill("Scattered memories of a childhood in Tehran.")
    page.get_by_role("button", name="Add the book").click()

    expect(page.locator("ul.messages")).to_contain_text("“خاطرات پراکنده” was added to the catalog.")
    expect(page).to_have_url(f"{live_server.url}/author/books/")
    book = Book.objects.get(title="خاطرات پراکنده")
    assert book.isbn == isbn
    assert (book.price, book.units, book.genre.slug) == (180_000, 2, "novel")
    assert list(book.authors.all()) == [author]
    row = page.locator(f"tr[data-book='{book.pk}']")
    expect(row.locator(".units")).to_have_text("2")

    # Edit it: a new title and one more copy.
    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Title")).to_have_value("خاطرات پراکنده")
    page.get_by_label("Title").fill("Scattered Memories")
    page.get_by_label("Units (copies the library owns)").fill("3")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("ul.messages")).to_contain_text("“Scattered Memories” was saved.")
    expect(page).to_have_url(f"{live_server.url}/author/books/")
    book.refresh_from_db()
    assert (book.title, book.units, book.isbn) == ("Scattered Memories", 3, isbn)
    expect(page.locator(f"tr[data-book='{book.pk}'] .units")).to_have_text("3")
    expect(page.get_by_role("link", name="Not Yours")).to_have_count(0)

    # Another author's book: the edit page is a 403 page, and nothing changes.
    response = page.goto(f"{live_server.url}/author/books/{others_book.pk}/edit/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.locator("main")).to_contain_text("Only this book's authors can edit it.")
    expect(page.get_by_label("Title")).to_have_count(0)
    others_book.refresh_from_db()
    assert others_book.title == "Not Yours"
