"""Catalog use cases: authors and admins create and change books (R23).

Units go through lending (``catalog.lending``: the reservation services lock the book,
expire due loans and serve the queue when units rise, R13); the search document is
rebuilt in the same transaction as any change of what search reads. Deleting a book is
lending's too, since it depends on the book's reservations: a book that was ever lent is
withdrawn instead, and ``restore_book`` brings it back (R28). Stock for sale (R34) is
the catalog's own counter, set here under the book's lock as units are in lending.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Author, User
from accounts.permissions import is_admin, is_author
from core.exceptions import NotAllowed
from core.transactions import atomic_with_retry
from core.updates import set_fields

from .lending import lending
from .models import Book, Genre, lock_book
from .signals import stock_raised, stock_ran_out

EDITABLE_FIELDS = ("title", "isbn", "price", "genre", "description")


def _authors_for(by: User, authors: Iterable[Author] | None) -> list[Author] | None:
    """The authors to store: an author always stays one of them; an admin must name them."""
    chosen = list(dict.fromkeys(authors)) if authors is not None else None
    if is_author(by):
        if chosen is not None and by.author not in chosen:
            chosen.insert(0, by.author)
        return chosen
    if is_admin(by):
        if chosen is not None and not chosen:
            raise ValidationError({"authors": [_("Name at least one author.")]}, code="required")
        return chosen
    raise NotAllowed(_("Only authors and admins may add or change books."))


def _save_checking_isbn(book: Book, **save_kwargs: Any) -> None:
    """Save `book`; a duplicate ISBN that slipped past full_clean() in a race is still a 400."""
    try:
        with transaction.atomic():
            book.save(**save_kwargs)
    except IntegrityError:
        if Book.objects.filter(isbn=book.isbn).exclude(pk=book.pk).exists():
            raise ValidationError({"isbn": [_("Book with this ISBN already exists.")]}, code="unique") from None
        raise


@transaction.atomic
def create_book(
    *,
    by: User,
    title: str,
    isbn: str,
    price: int,
    genre: Genre,
    units: int,
    stock: int = 0,
    description: str = "",
    authors: Iterable[Author] | None = None,
) -> Book:
    """Add a book; the author adding it is one of its authors, an admin names them (R23)."""
    chosen = _authors_for(by, authors if authors is not None else [])
    if not chosen:
        raise ValidationError({"authors": [_("Name at least one author.")]}, code="required")
    book = Book(title=title, isbn=isbn, price=price, genre=genre, units=units, stock=stock, description=description)
    book.full_clean()
    _save_checking_isbn(book)
    book.authors.set(chosen)
    book.refresh_search_document()
    return book


@atomic_with_retry()
def update_book(*, book: Book, by: User, data: Mapping[str, Any], now: datetime | None = None) -> Book:
    """Change a book's fields, units, stock and authors (R23, R34); raised units serve the queue (R13).

    `data` holds any of title, isbn, price, genre, description, units, stock and authors;
    fields left out keep their values. Units below those on loan give 409 units_below_on_loan.
    Implements R34.
    """
    now = now or timezone.now()
    authors = _authors_for(by, data.get("authors"))
    locked = lock_book(book)
    if locked is None:
        raise Http404("The book was deleted.")
    changes = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    if changed := set_fields(locked, changes, allowed=EDITABLE_FIELDS, exclude=["units"]):
        _save_checking_isbn(locked, update_fields=[*changed, "updated_at"])
    if "units" in data and data["units"] != locked.units:
        lending().set_book_units(book=locked, units=data["units"], now=now)
    if "stock" in data and data["stock"] != locked.stock:
        _set_stock(locked, data["stock"])
    if authors is not None:
        locked.authors.set(authors)
    locked.refresh_search_document()
    return locked


def _set_stock(locked: Book, stock: int) -> None:
    """Set the copies for sale of a book whose row the caller locked (R34, R27).

    The value read under the lock is the row's, so no checkout (R35) that lowered it
    meanwhile is undone; the check constraint refuses a negative count. A raise sends
    ``stock_raised``, a drop to none ``stock_ran_out`` (R38).
    """
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
        raise ValidationError({"stock": [_("Stock cannot be negative.")]}, code="min_value")
    before, locked.stock = locked.stock, stock
    locked.save(update_fields=["stock", "updated_at"])
    if stock > before:
        stock_raised.send(sender=Book, book=locked, before=before)
    elif stock == 0:
        stock_ran_out.send(sender=Book, book=locked)


@atomic_with_retry()
def restore_book(*, book: Book) -> Book:
    """Bring a withdrawn book back to the catalog: listed and lent again (R28, admins). Implements R28."""
    locked = lock_book(book)
    if locked is None:
        raise Http404("The book was deleted.")
    if locked.is_withdrawn:
        locked.withdrawn_at = None
        locked.save(update_fields=["withdrawn_at", "updated_at"])
    book.withdrawn_at = None
    return locked


__all__ = ["create_book", "restore_book", "update_book"]
