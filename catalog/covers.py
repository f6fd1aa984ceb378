"""Book covers: what an upload must be, where it is kept, its thumbnails, and the placeholder.

An author uploads a cover for a book: a JPEG, PNG or WebP image of at most
``MAX_COVER_BYTES`` and ``MAX_COVER_SIDE`` pixels a side, checked by Pillow opening it
(its name and declared type are not trusted). It is stored under
``MEDIA_ROOT/covers/<book id>/`` with a random name, and its two thumbnails (the
``THUMBNAIL_ALIASES`` of settings: ``card`` for lists, ``page`` for the book page) are made
by easy-thumbnails when it is uploaded, so pages only compute their names. A book without
a cover shows a placeholder drawn from its title (an inline SVG: no file, no request).
"""

import hashlib
import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy
from easy_thumbnails.alias import aliases
from easy_thumbnails.files import get_thumbnailer
from easy_thumbnails.models import Source
from PIL import Image, UnidentifiedImageError

MAX_COVER_BYTES = 2 * 1024 * 1024
MAX_COVER_SIDE = 4000
COVER_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ALIAS_TARGET = "catalog.Book.cover"
# Placeholder colours: dark enough for white text (contrast above 4.5:1).
PALETTE = ["#1f5fcc", "#8a3ffc", "#067647", "#b42318", "#93370d", "#0e7490", "#6941c6", "#344054"]


def cover_path(book, filename: str) -> str:
    """covers/<book id>/<random>.<ext>: the extension is the format Pillow found."""
    extension = PurePosixPath(filename).suffix.lower().lstrip(".") or "jpg"
    return f"covers/{book.pk}/{uuid.uuid4().hex}.{extension}"


def not_an_image() -> ValidationError:
    return ValidationError(gettext_lazy("The cover must be a JPEG, PNG or WebP image."), code="cover_not_an_image")


def validate_cover(upload) -> None:
    """Refuse what is not a JPEG, PNG or WebP image of a sane size (the file is opened, not its name trusted)."""
    if upload.size > MAX_COVER_BYTES:
        raise ValidationError(
            gettext_lazy("The cover is too large: at most %(megabytes)s MB."),
            code="cover_too_large",
            params={"megabytes": MAX_COVER_BYTES // (1024 * 1024)},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise not_an_image() from error
    finally:
        upload.seek(0)
    if image_format not in COVER_FORMATS:
        raise not_an_image()
    if max(width, height) > MAX_COVER_SIDE:
        raise ValidationError(
            gettext_lazy("The cover is too big: at most %(side)s pixels a side."),
            code="cover_too_big",
            params={"side": MAX_COVER_SIDE},
        )
    # Stored under the extension of what it is, whatever the upload was called.
    upload.name = f"cover.{COVER_FORMATS[image_format]}"


def make_thumbnails(cover) -> None:
    """Write the cover's thumbnails now, so pages can link them by name alone."""
    thumbnailer = get_thumbnailer(cover)
    for options in aliases.all(target=ALIAS_TARGET).values():
        thumbnailer.get_thumbnail(options)


def thumbnail_url(cover, alias: str) -> str:
    """The URL of a cover's thumbnail (a FieldFile, or a stored name), computed: no query, no disk access."""
    thumbnailer = (
        get_thumbnailer(default_storage, relative_name=cover) if isinstance(cover, str) else get_thumbnailer(cover)
    )
    options = thumbnailer.get_options(aliases.get(alias, target=ALIAS_TARGET))
    return thumbnailer.thumbnail_storage.url(thumbnailer.get_thumbnail_name(options))


def placeholder(title: str, book_id: int) -> dict:
    """What the placeholder cover draws: a colour from the book, the title's first letter."""
    digest = hashlib.sha256(str(book_id).encode()).digest()
    return {"colour": PALETTE[digest[0] % len(PALETTE)], "letter": (title.strip()[:1] or "?").upper()}


def delete_cover_files(storage, name: str) -> None:
    """Delete a cover, the thumbnails made of it and easy-thumbnails' record of them."""
    thumbnailer = get_thumbnailer(storage, relative_name=name)
    for options in aliases.all(target=ALIAS_TARGET).values():
        storage.delete(thumbnailer.get_thumbnail_name(thumbnailer.get_options(options)))
    Source.objects.filter(name=name).delete()  # its Thumbnail rows go with it
    storage.delete(name)
