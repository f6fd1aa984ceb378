"""Reads about reservations for pages and the API: queues, holders, positions, waits."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Customer
from catalog.filters import MAX_ID
from catalog.models import Book
from core.compiled import CompiledQuery, Param

from .models import DAY, Reservation, Status, queue_priority
from .pricing import quote


def queue_for(book: Book, now: datetime | None = None) -> QuerySet[Reservation]:
    """The book's queued entries in the order they would be served now (R12)."""
    now = now or timezone.now()
    return Reservation.objects.filter(book=book).in_queue_order(now).select_related("customer__user")


def holders_of(book: Book, now: datetime | None = None) -> QuerySet[Reservation]:
    """The book's running loans, soonest end first (overdue ones are already ended, R16)."""
    now = now or timezone.now()
    return (
        Reservation.objects.filter(book=book).active_at(now).select_related("customer__user").order_by("ends_at", "id")
    )


def position_in_queue(reservation: Reservation, now: datetime | None = None) -> int | None:
    """Return the 1-based place of a queued entry in R12 order now, or None if not queued (R14)."""
    place = queue_place(reservation, now or timezone.now())
    return None if place is None else place.position


def estimated_wait(reservation: Reservation, now: datetime | None = None) -> timedelta | None:
    """How long a queued entry may wait for a unit (R14, computed by ``_wait_for``), or None."""
    place = queue_place(reservation, now or timezone.now())
    return None if place is None else place.estimated_wait


@dataclass(frozen=True)
class QueueEntry:
    """One entry of the holders view (R25): who, on what tier, for how long, at what price."""

    reservation: Reservation
    customer: str
    tier: str
    days: int
    price: int
    place: int | None = None  # in the queue: among the waiting entries, as position_in_queue (R30)
    paused_until: datetime | None = None  # a place paused now: when it resumes (R30)


def holders_and_queue(book: Book, now: datetime | None = None) -> dict[str, list[QueueEntry]]:
    """The book's holders and its queue in R12 order, with tier, days and price (R25).

    A holder's price is what was charged; a queued entry's price is what it would be
    charged if served now. A paused place stays in the queue with when it resumes, and
    the places count the waiting entries only (R30).

    Implements R25.
    """
    now = now or timezone.now()

    def entry(reservation: Reservation, price: int) -> QueueEntry:
        customer = reservation.customer
        return QueueEntry(
            reservation=reservation,
            customer=customer.user.username,
            tier=customer.tier_at(now),
            days=reservation.days,
            price=price,
        )

    queue = []
    waiting_ahead = 0
    for reservation in queue_for(book, now):
        paused = reservation.is_paused(now)
        queue.append(
            replace(
                entry(reservation, quote(reservation.customer, reservation.days, now).price),
                place=waiting_ahead + 1,
                paused_until=reservation.paused_until if paused else None,
            )
        )
        waiting_ahead += not paused
    return {"holders": [entry(r, r.price) for r in holders_of(book, now)], "queue": queue}


def reservation_list(*, customer: Customer | None = None, status: str | None = None) -> QuerySet[Reservation]:
    """Reservations newest first: one customer's, or everyone's when `customer` is None."""
    reservations = Reservation.objects.select_related("book")
    if customer is not None:
        reservations = reservations.filter(customer=customer)
    if status:
        reservations = reservations.filter(status=status)
    return reservations.order_by("-requested_at", "-id")


@dataclass(frozen=True)
class QueuePlace:
    """Where a queued entry stands now (R14): its place and how long it may wait.

    The place counts the waiting entries ahead, paused ones not (R30); a paused entry's
    own place is the one it takes back when it resumes, and its wait lasts at least until then.
    """

    position: int
    estimated_wait: timedelta | None


def queue_places(reservations: Iterable[Reservation], now: datetime | None = None) -> dict[int, QueuePlace]:
    """Place and estimated wait of each queued reservation, keyed by id, in three queries (R14).

    The answers are those of queue_place(), computed for a whole page of reservations at
    once: the queues and the running loans of their books are read once, instead of a
    few queries for each queued row.
    """
    now = now or timezone.now()
    queued = [r for r in reservations if r.status == Status.QUEUED]
    if not queued:
        return {}
    book_ids = {r.book_id for r in queued}

    # book -> [(reservation, days, waiting)] in R12 order; a paused place is not waiting (R30)
    queues: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for reservation_id, book_id, days, paused_until in (
        Reservation.objects.filter(book_id__in=book_ids)
        .in_queue_order(now)
        .values_list("id", "book_id", "days", "paused_until")
    ):
        queues[book_id].append((reservation_id, days, paused_until is None or paused_until <= now))
    loan_ends: dict[int, list[datetime]] = defaultdict(list)  # book -> running loans' ends, soonest first
    for book_id, ends_at in (
        Reservation.objects.filter(book_id__in=book_ids)
        .active_at(now)
        .order_by("book_id", "ends_at", "id")
        .values_list("book_id", "ends_at")
    ):
        loan_ends[book_id].append(ends_at)
    units = dict(Book.objects.filter(pk__in=book_ids).values_list("pk", "units"))

    ahead: dict[int, tuple[int, int]] = {}  # reservation -> (waiting entries ahead, their days)
    for queue in queues.values():
        entries = days_ahead = 0
        for reservation_id, days, waiting in queue:
            ahead[reservation_id] = (entries, days_ahead)
            if waiting:
                entries, days_ahead = entries + 1, days_ahead + days
    places: dict[int, QueuePlace] = {}
    for reservation in queued:
        if reservation.pk not in ahead:  # left the queue since it was read
            continue
        entries, days_ahead = ahead[reservation.pk]
        book_id = reservation.book_id
        places[reservation.pk] = _place(reservation, entries + 1, loan_ends[book_id], days_ahead, units[book_id], now)
    return places


def _place(
    reservation: Reservation, position: int, ends: list[datetime], days_ahead: int, units: int, now: datetime
) -> QueuePlace:
    """The entry's place among the waiting ones, and its wait: a paused place waits at least until it resumes (R30)."""
    wait = _wait_for(position, ends, days_ahead, units, now)
    if wait is not None and reservation.is_paused(now):
        wait = max(wait, reservation.paused_until - now)
    return QueuePlace(position=position, estimated_wait=wait)


def _wait_for(position: int, ends: list[datetime], days_ahead: int, units: int, now: datetime) -> timedelta | None:
    """Implements R14's estimate for the entry at `position`, from data already read.

    The entry at place p takes the p-th unit to come back: units come back at the
    running loans' `ends`, soonest first; after a whole round of units, each one comes
    back again after the average days asked for by the entries ahead (`days_ahead` sums
    them). None when the book owns no units, since then no unit will ever come back.
    """
    if not ends:
        return None if units == 0 else timedelta(0)
    rounds, slot = divmod(position - 1, len(ends))
    wait = max(ends[slot] - now, timedelta(0))
    if rounds:
        wait += DAY * (days_ahead / (position - 1)) * rounds
    return wait


def _entries_ahead(book: int, now: datetime, priority: int, requested_at: datetime, pk: int) -> QuerySet:
    """The book's waiting entries ahead, at `now`, of one with this priority, request time and id (R12).

    Paused places are not counted (R30): they are skipped when a unit comes back.
    """
    return (
        Reservation.objects.filter(book_id=book)
        .waiting(now)
        .with_queue_priority(now)
        .filter(
            Q(priority__lt=priority)
            | Q(priority=priority, requested_at__lt=requested_at)
            | Q(priority=priority, requested_at=requested_at, id__lt=pk)
        )
    )


def _ahead_in_queue(book: int, now: datetime, priority: int, requested_at: datetime, pk: int) -> QuerySet:
    """How many queued entries stand ahead of one (``_entries_ahead``), and the days they ask."""
    ahead = _entries_ahead(book, now, priority, requested_at, pk)
    return (
        ahead.order_by().values("book").annotate(entries=Count("pk"), days=Sum("days")).values_list("entries", "days")
    )


def _loan_ends(book: int, now: datetime) -> QuerySet:
    """When the book's loans running at `now` end, soonest first (R16)."""
    return (
        Reservation.objects.filter(book=book).active_at(now).order_by("ends_at", "id").values_list("ends_at", flat=True)
    )


# The answer to every reserve that queues (core.compiled): counted and summed in the
# database, where reading the queue's entries into Python cost a millisecond per thousand.
_AHEAD_QUERY = CompiledQuery(
    _ahead_in_queue,
    book=Param("book", 0),
    now=Param("now", datetime.now(UTC)),
    priority=Param("priority", 0),
    requested_at=Param("requested_at", datetime.now(UTC)),
    pk=Param("pk", 0),
)
_LOAN_ENDS_QUERY = CompiledQuery(_loan_ends, book=Param("book", 0), now=Param("now", datetime.now(UTC)))


def queue_place(reservation: Reservation, now: datetime) -> QueuePlace | None:
    """``queue_places([reservation], now)`` for one reservation, in two small queries (R14).

    The entries ahead are counted and their days summed by the database, and only the
    book's running loans are read (at most its units), so the cost does not grow with
    the queue. Reads the reservation's customer and book (the rows a reserve has at hand).

    Implements R14.
    """
    if reservation.status != Status.QUEUED:
        return None
    priority = queue_priority(reservation.customer, now)
    ahead = _AHEAD_QUERY.first(
        book=reservation.book_id, now=now, priority=priority, requested_at=reservation.requested_at, pk=reservation.pk
    )
    entries, days_ahead = ahead or (0, 0)
    ends = _LOAN_ENDS_QUERY.run(book=reservation.book_id, now=now)
    return _place(reservation, entries + 1, ends, days_ahead, reservation.book.units, now)


def wait_if_joined(book: Book, now: datetime, customer: Customer | None = None) -> QueuePlace:
    """``queue_place`` of a request `customer` would make now: behind every entry of their priority or better.

    The same count of the entries ahead (``_entries_ahead``), for an entry requested now
    whose id comes after every other. A visitor who is not a customer counts as a
    customer without queue priority (R12). Shown on the book page before joining, so that
    nobody queues blind.
    """
    priority = queue_priority(customer, now) if customer is not None else 1
    ahead = _AHEAD_QUERY.first(book=book.pk, now=now, priority=priority, requested_at=now, pk=MAX_ID)
    entries, days_ahead = ahead or (0, 0)
    ends = _LOAN_ENDS_QUERY.run(book=book.pk, now=now)
    position = entries + 1
    return QueuePlace(position=position, estimated_wait=_wait_for(position, ends, days_ahead, book.units, now))
