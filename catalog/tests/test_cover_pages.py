"""Covers on the pages and in the API (issue 17): an author uploads one, readers see it, bad files are refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.tests.factories import AuthorFactory
from catalog.models import Book
from catalog.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


def png(colour="teal", size=(400, 600)) -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, "PNG")
    return SimpleUploadedFile("my cover.png", data.getvalue(), content_type="image/png")


@pytest.fixture
def author():
    return AuthorFactory()


@pytest.fixture
def book(author):
    return BookFactory(title="The Blind Owl", authors=[author])


def test_an_author_uploads_a_cover_that_the_book_page_the_list_and_the_api_show(client, author, book):
    client.force_login(author.user)
    assert "No cover yet for The Blind Owl" in client.get(f"/books/{book.pk}/").content.decode()

    answer = client.post(f"/author/books/{book.pk}/cover/", {"cover": png()})
    assert answer.status_code == 302 and answer["Location"] == f"/author/books/{book.pk}/edit/"
    book.refresh_from_db()
    assert book.cover.name.startswith(f"covers/{book.pk}/") and book.cover.name.endswith(".png")

    page = client.get(f"/books/{book.pk}/").content.decode()
    assert 'alt="Cover of The Blind Owl"' in page and "No cover yet" not in page
    thumbnail = page.split('class="cover cover-page" src="', 1)[1].split('"', 1)[0]
    served = client.get(thumbnail)  # WhiteNoise serves MEDIA_ROOT (core.media)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.size == (240, 360)
    assert 'class="cover cover-card"' in client.get("/").content.decode()

    api = client.get(f"/api/v1/books/{book.pk}/").json()
    assert api["cover"]["page"] == thumbnail and api["cover"]["card"].endswith(".png")


def test_a_file_that_is_not_an_image_is_refused_with_400_and_the_cover_is_unchanged(client, author, book):
    client.force_login(author.user)
    client.post(f"/author/books/{book.pk}/cover/", {"cover": png()})
    before = Book.objects.get(pk=book.pk).cover.name
    fake = SimpleUploadedFile("cover.png", b"GIF89a not really", content_type="image/png")
    answer = client.post(f"/author/books/{book.pk}/cover/", {"cover": fake})
    assert answer.status_code == 400
    assert "The cover was not changed" in answer.content.decode()
    assert "The cover must be a JPEG, PNG or WebP image." in answer.content.decode()  # ours, not Django's wording
    assert Book.objects.get(pk=book.pk).cover.name == before
    assert client.post(f"/author/books/{book.pk}/cover/", {}).status_code == 400  # no file at all


def test_another_authors_book_cover_is_a_403_and_visitors_are_sent_to_log_in(client, book):
    assert client.post(f"/author/books/{book.pk}/cover/", {"cover": png()}).status_code == 302
    client.force_login(AuthorFactory().user)
    assert client.post(f"/author/books/{book.pk}/cover/", {"cover": png()}).status_code == 403
    assert not Book.objects.get(pk=book.pk).cover
    assert client.get(f"/author/books/{book.pk}/cover/").status_code == 405


def test_removing_the_cover_brings_back_the_placeholder(client, author, book, django_capture_on_commit_callbacks):
    client.force_login(author.user)
    client.post(f"/author/books/{book.pk}/cover/", {"cover": png()})
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/author/books/{book.pk}/cover/", {"remove": "1"})
    assert answer.status_code == 302
    assert not Book.objects.get(pk=book.pk).cover
    assert "No cover yet for The Blind Owl" in client.get(f"/books/{book.pk}/").content.decode()
    assert client.get(f"/api/v1/books/{book.pk}/").json()["cover"] is None


def test_the_persian_page_names_the_cover_in_persian(client, author, book):
    client.force_login(author.user)
    client.post(f"/author/books/{book.pk}/cover/", {"cover": png()})
    assert "جلد «The Blind Owl»" in client.get(f"/books/{book.pk}/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
