"""Book covers in a real browser: an author uploads one, the book page shows its thumbnail (issue 17, R40).

The author works in English (chromium in en-US); the Persian book page shows the same
image. A text file renamed .png is refused with the form's error and the old cover stays.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts.tests.factories import AuthorFactory
from bookstore.tests.browser.conftest import PASSWORD, log_in_in_any_language
from catalog.cover_services import save_cover
from catalog.covers import thumbnail_url
from catalog.models import Book
from catalog.tests.factories import BookFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_THUMBNAIL = (240, 360)  # THUMBNAIL_ALIASES["catalog.Book.cover"]["page"]
LOADED = "img => img.complete && img.naturalWidth > 0"


def png_bytes(colour: str = "teal", size: tuple[int, int] = (400, 600)) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, "PNG")
    return data.getvalue()


@pytest.fixture
def author():
    return AuthorFactory(user__username="goli")


@pytest.fixture
def book(author):
    return BookFactory(title="The Blind Owl", authors=[author])


def page_cover_size(page) -> tuple[int, int]:
    """Wait for the book page's cover <img> to load; its natural size (the test fails if it never loads)."""
    cover = page.locator("img.cover-page")
    expect(cover).to_have_count(1)
    try:
        page.wait_for_function(LOADED, arg=cover.element_handle(), timeout=5_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"{page.url}: the cover {cover.get_attribute('src')} did not load")
    return tuple(cover.evaluate("img => [img.naturalWidth, img.naturalHeight]"))


def test_an_uploaded_cover_replaces_the_placeholder_on_the_book_page_in_both_languages_R40(
    page, browser, live_server, capfd, tmp_path, book
):
    """Placeholder before; after the upload the page's <img> is the 240×360 thumbnail and loads, in en and fa (R40)."""
    book_page = f"{live_server.url}/books/{book.pk}/"
    page.goto(book_page)
    expect(page.locator("svg.cover-placeholder")).to_have_attribute("aria-label", "No cover yet for The Blind Owl")
    expect(page.locator("img.cover")).to_have_count(0)

    log_in_in_any_language(page, live_server.url, capfd, "goli", PASSWORD)
    page.goto(f"{live_server.url}/author/books/{book.pk}/edit/")
    upload = tmp_path / "my cover.png"
    upload.write_bytes(png_bytes())
    page.locator("#cover").get_by_label("Cover image").set_input_files(upload)
    page.locator("#cover").get_by_role("button", name="Upload the cover").click()

    expect(page).to_have_url(f"{live_server.url}/author/books/{book.pk}/edit/")
    expect(page.locator("ul.messages")).to_contain_text("The new cover of “The Blind Owl” is on its page.")
    book.refresh_from_db()
    assert book.cover.name.startswith(f"covers/{book.pk}/") and book.cover.name.endswith(".png")

    page.goto(book_page)
    cover = page.locator("img.cover-page")
    expect(cover).to_have_attribute("src", thumbnail_url(book.cover, "page"))
    expect(cover).to_have_attribute("alt", "Cover of The Blind Owl")
    expect(page.locator("svg.cover-placeholder")).to_have_count(0)
    assert page_cover_size(page) == PAGE_THUMBNAIL  # the thumbnail, not the 400×600 upload

    # The Persian page shows the same image, with its alt text in Persian.
    context = browser.new_context(locale="fa-IR")
    persian = context.new_page()
    persian.goto(book_page)
    expect(persian.locator("html")).to_have_attribute("lang", "fa")
    expect(persian.locator("img.cover-page")).to_have_attribute("src", thumbnail_url(book.cover, "page"))
    alt = persian.locator("img.cover-page").get_attribute("alt")
    assert "The Blind Owl" in alt and not alt.startswith("Cover of"), alt
    assert page_cover_size(persian) == PAGE_THUMBNAIL
    context.close()


def test_a_text_file_renamed_png_is_refused_and_the_old_cover_stays(page, live_server, capfd, tmp_path, book):
    """The form says why (a 400 page) and the book page keeps showing the old cover (issue 17)."""
    save_cover(book, SimpleUploadedFile("first.png", png_bytes("navy"), content_type="image/png"))
    old_cover = Book.objects.get(pk=book.pk).cover.name
    log_in_in_any_language(page, live_server.url, capfd, "goli", PASSWORD)
    page.goto(f"{live_server.url}/author/books/{book.pk}/edit/")

    fake = tmp_path / "cover.png"
    fake.write_text("These are my notes, not a picture.")
    page.locator("#cover").get_by_label("Cover image").set_input_files(fake)
    with page.expect_navigation() as navigation:
        page.locator("#cover").get_by_role("button", name="Upload the cover").click()

    assert navigation.value.status == 400
    expect(page.locator("#cover [role=alert]")).to_have_text("The cover was not changed; see what to correct below.")
    # Django's ImageField refuses it before catalog.covers looks: either message says why.
    expect(page.locator("#cover #id_cover_error")).to_have_text("The cover must be a JPEG, PNG or WebP image.")
    assert Book.objects.get(pk=book.pk).cover.name == old_cover

    page.goto(f"{live_server.url}/books/{book.pk}/")
    expect(page.locator("img.cover-page")).to_have_attribute("src", thumbnail_url(old_cover, "page"))
    assert page_cover_size(page) == PAGE_THUMBNAIL
