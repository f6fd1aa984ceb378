"""Adding a book to a customer's wishlist and taking it off (R38)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from catalog.models import Book, lock_book
from reservations.exceptions import BookWithdrawn

from .exceptions import NotWished
from .models import WishedBook


@transaction.atomic
def add_wish(*, customer: Customer, book: Book | int, now: datetime | None = None) -> tuple[WishedBook, bool]:
    """Put `book` on the customer's wishlist; True if it was not there (adding twice changes nothing).

    The book's row is locked, as the alerts run under that lock: a copy freed or restocked
    at the same moment is told to this entry or marks it, never neither. A book that can
    be borrowed or bought now is marked as told for that alert: the customer sees it, and
    hears of it again once it has run out (R38). `book` may be an id; one naming no book
    raises ValidationError on ``book``.

    Implements R38.
    """
    now = now or timezone.now()
    locked = lock_book(book)
    if locked is None:
        raise ValidationError({"book": [_("No such book.")]}, code="does_not_exist")
    if locked.is_withdrawn:
        raise BookWithdrawn()
    existing = WishedBook.objects.filter(customer=customer, book=locked).first()
    if existing is not None:
        existing.book = locked
        return existing, False
    entry = WishedBook.objects.create(
        customer=customer,
        book=locked,
        added_at=now,
        free_alerted_at=now if locked.free_units > 0 else None,
        stock_alerted_at=now if locked.stock > 0 else None,
    )
    return entry, True


def remove_wish(*, customer: Customer, book: Book | int) -> None:
    """Take `book` off the customer's wishlist; NotWished (404) if it is not there."""
    book_id = book if isinstance(book, int) else book.pk
    deleted, _rows = WishedBook.objects.filter(customer=customer, book_id=book_id).delete()
    if not deleted:
        raise NotWished()
