"""The head of a book's queue: the waiting entry R12 serves first, found on the queue's index.

Read by serving the queue (``reservations.queue``) and by the wallet warning of R32
(``reservations.head_warning``), which serving the queue calls.
"""

from datetime import UTC, datetime

from django.db.models import QuerySet, Subquery

from accounts.models import Customer
from catalog.models import Book
from core.compiled import CompiledQuery, Param

from .models import Reservation


def _queue_heads(book: int, now: datetime) -> QuerySet[Book]:
    """Ids of the book's earliest waiting entry of a customer with queue priority at `now`, and of its first (R12).

    Paused places are skipped, not dropped (R30): ``waiting(now)``, where a pause whose
    moment has come counts as resumed even before the beat task clears it.
    """
    # The book's id as a value, not OuterRef("pk"): the planner then knows how long this
    # book's queue is and walks the index, where an outer reference made it guess a few
    # rows and sort them all (Premium head: 21 ms instead of 0.4 ms on 10,000; make bench).
    queued = Reservation.objects.filter(book=book).waiting(now).order_by("requested_at", "id")
    premium = queued.filter(Customer.queue_priority_q(now, "customer__"))
    return (
        Book.objects.filter(pk=book)
        .order_by()
        .annotate(premium=Subquery(premium.values("pk")[:1]), first=Subquery(queued.values("pk")[:1]))
        .values_list("premium", "first")[:1]
    )


def _entry_with_customer_locked(pk: int) -> QuerySet[Reservation]:
    return Reservation.objects.filter(pk=pk).select_related("customer__user").select_for_update(of=("customer",))[:1]


QUEUE_HEADS = CompiledQuery(_queue_heads, book=Param("book", 0), now=Param("now", datetime.now(UTC)))


_ENTRY_WITH_CUSTOMER_LOCKED = CompiledQuery(_entry_with_customer_locked, pk=Param("pk", 0))


def first_in_queue(book: Book, now: datetime) -> Reservation | None:
    """The waiting entry ``in_queue_order(now)`` puts first (R12, R30), with its customer's row locked.

    The earliest waiting entry (R30) of a customer with queue priority at `now`, else the
    earliest. One statement finds both: each subquery walks ``reservation_queue_idx`` in
    request order, skipping paused places on the index's own ``paused_until``, and stops
    at its first match, where one query sorting the whole queue by priority would read
    all of it (10,000 entries: 30 ms; make bench). A book with no queue costs that one
    statement. The entry chosen is then read with its customer's row locked, so
    it is served with its customer's current balance. The caller holds the book's lock,
    under which every change to the book's queue happens, so the entries cannot change
    in between; a customer who gained priority after the first statement is served as
    they were then, as if their purchase had come a moment later.

    Implements R12.

    Implements R12 and R30.
    """
    premium, first = QUEUE_HEADS.first(book=book.pk, now=now)
    head = premium or first
    return None if head is None else _ENTRY_WITH_CUSTOMER_LOCKED.first(pk=head)
