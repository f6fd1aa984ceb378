"""Lending's answers to the catalog's port (``catalog.lending``; settings.CATALOG_LENDING).

Availability is the book's units less its loans running at `now`, and its queue the
entries waiting (queued, not paused): the reservations' own conditions
(``ReservationQuerySet.active_at``, ``waiting``), written once there.
"""

from datetime import datetime

from django.db.models import Count, Expression, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Book

from .estimates import book_expected_between
from .models import Reservation
from .services import delete_book, set_book_units


def _count_per_book(reservations: QuerySet[Reservation]) -> Coalesce:
    """A correlated COUNT of `reservations` of the outer book: one subquery, not a query per row."""
    counts = (
        reservations.filter(book=OuterRef("pk")).order_by().values("book").annotate(count=Count("pk")).values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def availability(now: datetime) -> dict[str, Expression]:
    """Implements R9's free units as the catalog shows them, and R12's queue length.

    The queue length counts the entries waiting at `now`: a paused place is skipped when
    a unit comes back, so it stands ahead of nobody who joins (R30).

    Available units are the units not held by a loan still running at `now`: a loan past
    its end blocks nobody even before the worker ends it (R16).
    """
    return {
        "available_units": F("units") - _count_per_book(Reservation.objects.active_at(now)),
        "queue_length": _count_per_book(Reservation.objects.waiting(now)),
    }


def next_release(now: datetime) -> Expression:
    """When the first loan of the outer book running at `now` ends, or NULL (R16)."""
    ends = Reservation.objects.active_at(now).filter(book=OuterRef("pk")).order_by("ends_at").values("ends_at")[:1]
    return Subquery(ends)


def expected_between(*, book: Book, now: datetime) -> dict[str, tuple[datetime, datetime] | None] | None:
    """Implements R31 for the book page's port: ``reservations.estimates.book_expected_between``."""
    return book_expected_between(book, now)


__all__ = ["availability", "delete_book", "expected_between", "next_release", "set_book_units"]
