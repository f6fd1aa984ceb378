"""Pausing a queued place until a day and resuming it: "deliver later" (R30), and its notice (R32).

A paused place keeps its ``requested_at`` and so its place in R12 order; a release skips
it (``ReservationQuerySet.waiting``). The place resumes by itself at 00:00 of the chosen
day in TIME_ZONE: from that moment it counts as waiting whether or not the beat task has
cleared ``paused_until`` yet, so no worker is needed for the rule to hold. The task only
tidies up: it clears the stamp, tells the customer (once: the clearing and the notice
are one transaction) and serves the book's queue if a unit is free.

Decisions where SPEC is silent:
- Pausing a paused place again moves its day; resuming a place that is not paused
  (never paused, or its day has come) is not an error: it answers the reservation as it
  is, so a repeated click or a resume racing the task does no harm.
- A resume that makes a place waiting while a unit is free serves the queue at once
  (R13): a unit can be free while people are queued when only paused places were.
- A customer who resumes by hand is not sent the "resumed" notice: they did it.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import speaking_to
from accounts.models import Customer, Notification
from accounts.services import notify
from catalog.cache import invalidate_catalog_cache
from catalog.models import Book, lock_book
from core.formatting import local_date
from core.transactions import atomic_with_retry

from .exceptions import InvalidPauseDate, ReservationNotQueued
from .head_warning import warn_queue_head
from .loans import lock_reservation, save_reservation
from .models import Reservation, Status
from .queue import expire_due, serve_queue

MAX_PAUSE_DAYS = 60  # a pause lasts until a day at most this many days after today (R30)


def pause_days(now: datetime) -> tuple[date, date]:
    """The first and the last day a pause may last until: tomorrow and 60 days after today in TIME_ZONE."""
    today = timezone.localdate(now, timezone.get_default_timezone())
    return today + timedelta(days=1), today + timedelta(days=MAX_PAUSE_DAYS)


def resume_moment(until: date) -> datetime:
    """00:00 of `until` in TIME_ZONE, the moment a place paused until that day resumes (R30)."""
    return datetime.combine(until, time.min, tzinfo=timezone.get_default_timezone())


def validate_pause_day(until: object, now: datetime) -> date:
    """A day from tomorrow to MAX_PAUSE_DAYS after today (R30). Implements R30."""
    if not isinstance(until, date) or isinstance(until, datetime):
        raise InvalidPauseDate(_("The day to pause until must be a date."))
    first, last = pause_days(now)
    if not first <= until <= last:
        raise InvalidPauseDate()
    return until


def _own_queued(customer: Customer, reservation: Reservation) -> tuple[Book, Reservation]:
    """Lock the reservation's book and re-read it; it must be the customer's and queued."""
    book, reservation = lock_reservation(reservation, owner=customer)
    if reservation.status != Status.QUEUED:
        raise ReservationNotQueued()
    return book, reservation


def _serve_if_free(book: Book, now: datetime) -> None:
    """Serve the locked book's queue if it has a free unit, loans past their end ended first (R13, R16).

    Whoever is first afterwards is checked against the price (R32): a pause or a resume can
    change who is first without serving anyone.
    """
    expire_due(book, now)
    if book.free_units > 0:
        serve_queue(book=book, now=now)  # which checks the new head itself
    else:
        warn_queue_head(book, now)


@atomic_with_retry()
def pause(*, customer: Customer, reservation: Reservation, until: date, now: datetime | None = None) -> Reservation:
    """Pause a queued place until 00:00 of `until` in TIME_ZONE, keeping its place (R30).

    Implements R30.
    """
    now = now or timezone.now()
    validate_pause_day(until, now)
    book, reservation = _own_queued(customer, reservation)
    reservation.paused_until = resume_moment(until)
    save_reservation(reservation)
    warn_queue_head(book, now)  # R32: the next in line may be first now
    return reservation


@atomic_with_retry()
def resume(*, customer: Customer, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Resume a paused place now; if a unit is free, the queue is served at once (R30, R13).

    The answer is the reservation after that: active if the unit went to it.
    Implements R30.
    """
    now = now or timezone.now()
    book, reservation = _own_queued(customer, reservation)
    if reservation.paused_until is not None:
        reservation.paused_until = None
        save_reservation(reservation)
    _serve_if_free(book, now)
    reservation.refresh_from_db()
    return reservation


def resume_due_pauses(*, now: datetime | None = None, batch_size: int = 100) -> int:
    """Clear the pauses whose moment has come, tell each customer once, serve free units (R30, R32).

    Up to `batch_size` books a run, one transaction each under the book's lock; a book
    locked elsewhere is left to the next run, which R30 allows: its places already count
    as resumed. Returns how many places were resumed. Safe to run twice or at once.

    Implements R30 and R32.
    """
    now = now or timezone.now()
    book_ids = list(
        Reservation.objects.filter(paused_until__lte=now)
        .order_by("book_id")
        .values_list("book_id", flat=True)
        .distinct()[:batch_size]
    )
    return sum(_resume_book(book_id, now) for book_id in book_ids)


@atomic_with_retry()
def _resume_book(book_id: int, now: datetime) -> int:
    """Resume the locked book's places whose pause has come to its end, then serve a free unit."""
    book = lock_book(book_id, skip_locked=True)
    if book is None:  # locked by a request or another run (or deleted): the next run
        return 0
    due = list(
        Reservation.objects.filter(book=book, status=Status.QUEUED, paused_until__lte=now)
        .select_related("customer__user")
        .order_by("requested_at", "id")
    )
    if not due:
        return 0
    Reservation.objects.filter(pk__in=[entry.pk for entry in due]).update(paused_until=None)
    # Cached lists counted these places as waiting from their moment on; they go stale all the same.
    invalidate_catalog_cache()
    for entry in due:
        user = entry.customer.user
        with speaking_to(user):
            message = _(
                "Your place in the queue for “%(title)s” has resumed (%(day)s): the next free copy can be yours."
            ) % {"title": book.title, "day": local_date(entry.paused_until)}
        notify(user=user, kind=Notification.Kind.RESUMED, message=message)
    _serve_if_free(book, now)
    return len(due)
