"""Changing a book's cover: upload a new one or go back to the placeholder (issue 17).

The cover is its own column, written alone (``update``), so a cover change never writes
what a stale read of the book holds (R27), and the catalog's cached pages go stale when
it commits. The files of the cover replaced are deleted only once the change has committed.
"""

from django.db import transaction

from .cache import invalidate_catalog_cache
from .covers import delete_cover_files, make_thumbnails, validate_cover
from .models import Book


def save_cover(book: Book, upload) -> Book:
    """Store a new cover for ``book`` (ValidationError when it is not an acceptable image)."""
    validate_cover(upload)
    old = book.cover.name if book.cover else ""
    storage = book.cover.storage
    with transaction.atomic():
        book.cover.save(upload.name, upload, save=False)
        Book.objects.filter(pk=book.pk).update(cover=book.cover.name)
        invalidate_catalog_cache()
        if old:
            transaction.on_commit(lambda: delete_cover_files(storage, old))
    make_thumbnails(book.cover)
    return book


def remove_cover(book: Book) -> Book:
    """Show the placeholder again."""
    if not book.cover:
        return book
    old, storage = book.cover.name, book.cover.storage
    with transaction.atomic():
        Book.objects.filter(pk=book.pk).update(cover="")
        book.cover = None
        invalidate_catalog_cache()
        transaction.on_commit(lambda: delete_cover_files(storage, old))
    return book
