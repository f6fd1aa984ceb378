"""Reads about reservations for pages and the API: queues, holders, positions, waits."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Tier
from catalog.models import Book

from .models import DAY, Reservation, Status
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
    if reservation.status != Status.QUEUED:
        return None
    now = now or timezone.now()
    mine = 0 if reservation.customer.tier_at(now) == Tier.PREMIUM else 1
    ahead = (
        Reservation.objects.filter(book_id=reservation.book_id)
        .queued()
        .with_queue_priority(now)
        .filter(
            Q(priority__lt=mine)
            | Q(priority=mine, requested_at__lt=reservation.requested_at)
            | Q(priority=mine, requested_at=reservation.requested_at, id__lt=reservation.pk)
        )
        .count()
    )
    return ahead + 1


def estimated_wait(reservation: Reservation, now: datetime | None = None) -> timedelta | None:
    """Estimate how long a queued entry waits for a unit (R14).

    The entry at place p takes the p-th unit to come back: units come back at the
    running loans' ends, soonest first; after a whole round of units, each one comes
    back again after the average days asked for by the entries ahead. None when the
    book owns no units, since then no unit will ever come back.
    """
    position = position_in_queue(reservation, now)
    if position is None:
        return None
    now = now or timezone.now()
    ends = list(holders_of(reservation.book, now).values_list("ends_at", flat=True))
    if not ends:
        return None if reservation.book.units == 0 else timedelta(0)
    rounds, slot = divmod(position - 1, len(ends))
    wait = max(ends[slot] - now, timedelta(0))
    if rounds:
        ahead_days = list(queue_for(reservation.book, now).values_list("days", flat=True)[: position - 1])
        average_days = sum(ahead_days) / len(ahead_days)
        wait += DAY * average_days * rounds
    return wait


@dataclass(frozen=True)
class QueueEntry:
    """One entry of the holders view (R25): who, on what tier, for how long, at what price."""

    reservation: Reservation
    customer: str
    tier: str
    days: int
    price: int


def holders_and_queue(book: Book, now: datetime | None = None) -> dict[str, list[QueueEntry]]:
    """The book's holders and its queue in R12 order, with tier, days and price (R25).

    A holder's price is what was charged; a queued entry's price is what it would be
    charged if served now.
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

    return {
        "holders": [entry(r, r.price) for r in holders_of(book, now)],
        "queue": [entry(r, quote(r.customer, r.days, now).price) for r in queue_for(book, now)],
    }
