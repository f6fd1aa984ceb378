"""Book covers (issue 17): what an upload must be, its thumbnails, the placeholder, and who may change it."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.cover_services import remove_cover, save_cover
from catalog.covers import MAX_COVER_BYTES, placeholder, thumbnail_url, validate_cover
from catalog.models import Book

pytestmark = pytest.mark.django_db


def image_file(name: str = "cover.png", image_format: str = "PNG", size=(300, 450), colour="navy"):
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, image_format)
    return SimpleUploadedFile(name, data.getvalue(), content_type=f"image/{image_format.lower()}")


@pytest.mark.parametrize(("image_format", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_a_png_jpeg_or_webp_is_accepted_and_named_by_what_it_is(image_format, extension):
    upload = image_file(name="whatever.gif", image_format=image_format)
    validate_cover(upload)
    assert upload.name == f"cover.{extension}"


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name():
    upload = SimpleUploadedFile("cover.png", b"<svg onload=alert(1)>", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        validate_cover(upload)
    assert refused.value.code == "cover_not_an_image"


def test_a_gif_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_cover(image_file(name="cover.gif", image_format="GIF"))
    assert refused.value.code == "cover_not_an_image"


def test_a_cover_over_the_size_limit_is_refused():
    upload = SimpleUploadedFile("cover.png", b"\0" * (MAX_COVER_BYTES + 1), content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        validate_cover(upload)
    assert refused.value.code == "cover_too_large"


def test_a_cover_too_many_pixels_a_side_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_cover(image_file(size=(4001, 10)))
    assert refused.value.code == "cover_too_big"


def test_the_placeholder_is_the_titles_first_letter_on_a_colour_of_the_book():
    assert placeholder("کلیدر", 7)["letter"] == "ک"
    assert placeholder("the blind owl", 7)["letter"] == "T"
    assert placeholder("x", 7) == {**placeholder("x", 7)}  # the same book, the same colour
    assert len({placeholder("x", n)["colour"] for n in range(40)}) > 1


def test_an_uploaded_cover_gets_thumbnails_and_a_new_one_replaces_it(
    make_book, settings, django_capture_on_commit_callbacks
):
    book = make_book()
    with django_capture_on_commit_callbacks(execute=True):
        save_cover(book, image_file())
    book = Book.objects.get(pk=book.pk)
    first = book.cover.name
    assert first.startswith(f"covers/{book.pk}/") and first.endswith(".png")
    storage = book.cover.storage
    card = thumbnail_url(book.cover, "card")
    assert card.startswith(settings.MEDIA_URL + "thumbnails/")
    card_name = card.removeprefix(settings.MEDIA_URL)
    assert storage.exists(card_name)
    with Image.open(storage.open(card_name)) as thumbnail:
        assert thumbnail.size == (96, 144)
    assert thumbnail_url(first, "card") == card  # the API's stored name gives the same URL

    with django_capture_on_commit_callbacks(execute=True):
        save_cover(book, image_file(colour="red"))
    book = Book.objects.get(pk=book.pk)
    assert book.cover.name != first
    assert not storage.exists(first) and not storage.exists(card_name)  # the old files are gone

    with django_capture_on_commit_callbacks(execute=True):
        remove_cover(book)
    assert not Book.objects.get(pk=book.pk).cover
