"""The expiry sweep: loans whose end has come are ended, and their queues served (R16, R13)."""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from catalog.models import Book
from core.transactions import atomic_with_retry

from .loans import end_due_loans
from .models import Reservation
from .queue import announce_free_unit, serve_queue, set_synchronous_commit


def expire_due_reservations(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End every reservation whose time is up and serve the queues (R16, R13); safe to rerun.

    Up to `batch_size` books are handled, EXPIRE_BOOKS_PER_TRANSACTION to a transaction;
    a book locked by another worker or request is skipped: a reserve or return on it
    expires its due loans itself, and anything else leaves them for the next sweep,
    which R16 allows since an overdue loan blocks nobody.

    Implements R16.
    """
    now = now or timezone.now()
    book_ids = list(
        Reservation.objects.due(now).order_by("book_id").values_list("book_id", flat=True).distinct()[:batch_size]
    )
    expired = 0
    for start in range(0, len(book_ids), EXPIRE_BOOKS_PER_TRANSACTION):
        expired += _expire_books(book_ids[start : start + EXPIRE_BOOKS_PER_TRANSACTION], now)
    return expired


# Books whose due loans one sweep transaction ends: a few statements for all of them, not
# per book (10,000 due loans in about a second; make bench), and locks held briefly.
EXPIRE_BOOKS_PER_TRANSACTION = 10


@atomic_with_retry()
def _expire_books(book_ids: list[int], now: datetime) -> int:
    """Expire the due loans of the books of `book_ids` not locked elsewhere, then serve their queues.

    The same as ``expire_due`` on each book, in set statements: the books locked in one
    statement (skipping locked ones), their due loans read and ended in one each, units
    on loan written in one; only books with a queue are then served one by one (R13), the
    others' free units announced to those who wished for them (R38).
    """
    books = {
        book.pk: book
        for book in Book.objects.select_for_update(skip_locked=True).filter(pk__in=book_ids).order_by("pk")
    }
    if not books:
        return 0
    # Expiring alone is redone by the next sweep if a crash loses it, and an overdue loan
    # blocks nobody meanwhile (R16): its commit need not wait for the disk. Serving a
    # queue switches back to a durable commit (serve_queue).
    set_synchronous_commit(False)
    try:
        expired, released = end_due_loans(books, now)
        waiting = set(
            Reservation.objects.filter(book_id__in=[book.pk for book in released])
            .queued()
            .order_by()  # DISTINCT over book_id alone, not the default order's columns too
            .values_list("book_id", flat=True)
            .distinct()
        )
        for book in released:
            if book.pk in waiting:
                serve_queue(book=book, now=now)
            else:
                announce_free_unit(book, now)  # R38: nobody waits, so the unit stays free
        return expired
    finally:
        connection.bookstore_async_commit = False  # SET LOCAL ends with the transaction
