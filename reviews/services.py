"""The review use cases: write, edit, delete, hide (R37), each keeping the book's average exact.

Every use case is one transaction that locks the book first (``catalog.models.lock_book``,
the lock order of docs/architecture.md), then the review: the book's ``rating_count`` and
``rating_sum`` change in that transaction under that lock (``Book.add_ratings``), so
reviews written at once all count and the average is always that of the visible reviews.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from catalog.filters import MAX_ID
from catalog.models import Book, lock_book

from .exceptions import (
    AlreadyReviewed,
    NotAReader,
    NotReviewAuthor,
    ReviewAlreadyHidden,
    ReviewHidden,
    ReviewNotFound,
)
from .models import Review
from .selectors import has_read, own_review

_UNSET = object()


def _locked_book(book: Book | int) -> Book:
    locked = lock_book(book)
    if locked is None or locked.is_withdrawn:
        raise ReviewNotFound()
    return locked


def _locked_review(review: Review | int) -> tuple[Book, Review]:
    """The book (locked first) and the review (then locked), re-read; a deleted one is not found."""
    pk = review if isinstance(review, int) else review.pk
    if not 0 < pk <= MAX_ID:
        raise ReviewNotFound()
    book_id = Review.objects.filter(pk=pk).values_list("book_id", flat=True).first()
    if book_id is None:
        raise ReviewNotFound()
    book = lock_book(book_id)
    locked = Review.objects.select_for_update().not_deleted().filter(pk=pk).first()
    if book is None or locked is None:
        raise ReviewNotFound()
    return book, locked


def _own_review(customer: Customer, review: Review | int) -> tuple[Book, Review]:
    book, locked = _locked_review(review)
    if locked.customer_id != customer.pk:
        raise NotReviewAuthor()
    if locked.hidden_at is not None:
        raise ReviewHidden()
    return book, locked


def write_review(
    *, customer: Customer, book: Book | int, rating: int, text: str = "", now: datetime | None = None
) -> Review:
    """Implements R37: the customer's review of a book they borrowed or bought; one each (409 otherwise)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_book(book)
        if not has_read(customer=customer, book=locked):
            raise NotAReader()
        # Under the book's lock: a second review by the same customer waits here and sees the first.
        if own_review(customer=customer, book=locked) is not None:
            raise AlreadyReviewed()
        review = Review(customer=customer, book=locked, rating=rating, text=text, created_at=now, updated_at=now)
        review.full_clean(validate_constraints=False)
        review.save()
        locked.add_ratings(count=1, total=rating)
    return review


def edit_review(
    *, customer: Customer, review: Review | int, rating: int | None = None, text=_UNSET, now: datetime | None = None
) -> Review:
    """Implements R37: the writer changes the rating or the text of their review (not a hidden one)."""
    now = now or timezone.now()
    with transaction.atomic():
        book, locked = _own_review(customer, review)
        before = locked.rating
        if rating is not None:
            locked.rating = rating
        if text is not _UNSET:
            locked.text = text
        locked.updated_at = now
        locked.full_clean(validate_constraints=False)
        locked.save(update_fields=["rating", "text", "updated_at"])
        if locked.rating != before:
            book.add_ratings(count=0, total=locked.rating - before)
    return locked


def delete_review(*, customer: Customer, review: Review | int, now: datetime | None = None) -> Review:
    """Implements R37: the writer deletes their review; it is kept, not shown or counted, and they may write again."""
    now = now or timezone.now()
    with transaction.atomic():
        book, locked = _own_review(customer, review)
        locked.deleted_at = now
        locked.save(update_fields=["deleted_at"])
        book.add_ratings(count=-1, total=-locked.rating)
    return locked


def hide_review(*, review: Review | int, by, now: datetime | None = None) -> Review:
    """Implements R37: an admin hides a review; it is kept, not shown or counted (the API and the admin site)."""
    now = now or timezone.now()
    with transaction.atomic():
        book, locked = _locked_review(review)
        if locked.hidden_at is not None:
            raise ReviewAlreadyHidden()
        locked.hidden_at, locked.hidden_by = now, by
        locked.save(update_fields=["hidden_at", "hidden_by"])
        book.add_ratings(count=-1, total=-locked.rating)
    return locked
