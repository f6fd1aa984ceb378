"""Reservation use cases (R1–R16, R25): each one atomic, locking the book, then customers.

Lock order: a use case locks the book's row first and then customers' rows, and every
change to a book's reservations happens under that book lock. The lock on the book is
what makes free units exact (R9) and the queue served before any newcomer (R13); the
``book_not_oversold`` constraint backs it up in the database.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import speaking_to
from accounts.models import Customer, Notification
from accounts.services import notify
from billing.exceptions import InsufficientFunds
from billing.services import lock_customer
from catalog.models import Book, lock_book
from catalog.signals import units_ran_out
from core.compiled import CompiledQuery, Param
from core.formatting import number
from core.transactions import atomic_with_retry

from .exceptions import (
    AlreadyReserved,
    BookHasLiveReservations,
    BookWithdrawn,
    InvalidUnits,
    ReservationIsActive,
    ReservationLimitReached,
    ReservationNotActive,
    ReservationNotQueued,
    SubscriptionRequired,
    UnitsBelowOnLoan,
)
from .head_warning import warn_queue_head
from .loans import (
    lock_existing_book,
    lock_reservation,
    release,
    running_loans,
    save_reservation,
    start_loan,
    validate_days,
)
from .models import EndReason, Reservation, Status
from .pricing import HISTORY_PARAMS, History, history_parameters, quote, with_history
from .queue import announce_free_unit, expire_due, serve_queue


@dataclass(frozen=True)
class _ReserveChecks:
    live_here: bool  # the customer waits for this book or holds it still running (R8, R16)
    active: int  # the customer's loans running now (R10)
    book_has_due_loans: bool  # loans of this book whose end has come (R16)
    book_has_waiting: bool  # entries of this book waiting, a pause whose moment has come among them (R30)
    history: History  # for the price (R7)

    # The columns of the checks' row, in order: the flags, then R7's history.
    FIELDS = ("live_here", "active", "book_has_due_loans", "book_has_waiting", "paid", "books_read")


def _reserve_checks_query(customer: int, book: int, **window: datetime) -> QuerySet:
    """Every figure reserve() checks on the locked rows, as one row (R8, R10, R16, R7)."""
    now = window["now"]
    mine = Reservation.objects.filter(customer=OuterRef("pk"))
    customers = with_history(Customer.objects.filter(pk=customer), **window).annotate(
        live_here=Exists(mine.filter(book=book).live_at(now)),
        active=running_loans(now),
        book_has_due_loans=Exists(Reservation.objects.filter(book=book).due(now)),
        book_has_waiting=Exists(Reservation.objects.filter(book=book).waiting(now)),
    )
    return customers.values_list(*_ReserveChecks.FIELDS)[:1]


_RESERVE_CHECKS = CompiledQuery(_reserve_checks_query, book=Param("book", 0), **HISTORY_PARAMS)


def _reserve_checks(customer: Customer, book: Book, now: datetime) -> _ReserveChecks:
    """Everything reserve() checks about the locked customer and book, in one query.

    Read after both locks, in a statement of its own: in READ COMMITTED a statement sees
    the rows committed before it began, so these figures include every change made under
    the locks by whoever held them before.
    """
    row = _RESERVE_CHECKS.first(book=book.pk, **history_parameters(customer.pk, now))
    live_here, active, book_has_due_loans, book_has_waiting, paid, books_read = row
    return _ReserveChecks(
        live_here=bool(live_here),
        active=active,
        book_has_due_loans=bool(book_has_due_loans),
        book_has_waiting=bool(book_has_waiting),
        history=History(paid=paid, books_read=books_read),
    )


@atomic_with_retry()
def reserve(*, customer: Customer, book: Book | int, days: int, now: datetime | None = None) -> Reservation:
    """Reserve `book` for `days` (R1, R4, R8–R12): active at once if a unit is free, else queued.

    `book` may be a book's id: an id naming no book raises ValidationError on ``book``.
    Implements R1, R8, R9, R10 and R12.
    """
    now = now or timezone.now()
    # Cheap refusals first, then the same checks again on the locked rows.
    rule = customer.rule_at(now)
    if rule is None:
        raise SubscriptionRequired()
    validate_days(days, rule)

    book = lock_book(book)
    if book is None:  # a book id that names no book (the API passes the id, not a row)
        raise ValidationError({"book": [_("No such book.")]}, code="does_not_exist")
    if book.is_withdrawn:
        raise BookWithdrawn()
    customer = lock_customer(customer, with_user=False)  # no notice goes to the reserving customer
    rule = customer.rule_at(now)
    if rule is None:
        raise SubscriptionRequired()
    validate_days(days, rule)
    checks = _reserve_checks(customer, book, now)
    if checks.live_here:
        raise AlreadyReserved()
    if checks.book_has_due_loans:
        # An overdue loan never blocks a unit (R16), nor its own customer (R8): it ends
        # here, before the new row that the one-live-reservation constraint would refuse.
        # Serving the queue cannot touch this customer's figures: a customer in this
        # book's queue was refused just above.
        expire_due(book, now, tell_wishers=False)
    elif checks.book_has_waiting and book.free_units > 0:
        # A free unit while someone waits: a pause whose moment has come counts as resumed
        # though the beat has not cleared it yet (R30), and its place comes before this
        # newcomer (R13). Paused places do not: a unit free beside them goes to the newcomer.
        serve_queue(book=book, now=now, tell_wishers=False)

    reservation = Reservation(customer=customer, book=book, days=days, requested_at=now, status=Status.QUEUED)
    if book.free_units > 0:
        if checks.active >= rule.max_active:
            raise ReservationLimitReached(
                _("Your %(tier)s tier allows %(count)s active reservations.")
                % {"tier": customer.get_tier_display(), "count": number(rule.max_active)}
            )
        start_loan(book, reservation, customer, now, history=checks.history)
    else:
        price = quote(customer, days, now, history=checks.history).price
        if customer.balance < price:
            raise InsufficientFunds(shortfall=price - customer.balance)
        # Fields only: the customer and book are the rows locked above, and the constraints
        # were checked just before (R8) or are the database's; validating them here ran
        # 20 statements, each constraint in a savepoint of its own (make bench).
        reservation.full_clean(exclude=["customer", "book"], validate_unique=False, validate_constraints=False)
        save_reservation(reservation)
    if checks.book_has_due_loans:
        # A unit this reserve released and the newcomer left free: wishers hear of it
        # after the newcomer's own row, so the newcomer is not told of the book it took (R38).
        announce_free_unit(book, now)
    return reservation


def _end_loan(reservation: Reservation, *, status: str, now: datetime, customer: Customer | None) -> Reservation:
    """End an active loan early and serve the queue (R13); `customer`, if given, must own it.

    A loan already past its end has expired by itself (R16): that is recorded instead,
    and the book is back either way.
    """
    book, reservation = lock_reservation(reservation, owner=customer)
    if reservation.status != Status.ACTIVE:
        raise ReservationNotActive()  # including one the sweep already expired
    if reservation.is_overdue(now):
        expire_due(book, now)
        reservation.refresh_from_db()
        return reservation
    release(book, reservation, status=status, at=now)
    serve_queue(book=book, now=now)
    return reservation


@atomic_with_retry()
def return_reservation(*, customer: Customer, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Return an active reservation early; its unit goes to the queue (R13). No refund. Implements R15."""
    return _end_loan(reservation, status=Status.RETURNED, now=now or timezone.now(), customer=customer)


@atomic_with_retry()
def leave_queue(*, customer: Customer, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Leave a queue at any time, at no charge. Implements R14."""
    now = now or timezone.now()
    book, reservation = lock_reservation(reservation, owner=customer)
    if reservation.status == Status.ACTIVE:
        raise ReservationIsActive()
    if reservation.status != Status.QUEUED:
        raise ReservationNotQueued()
    reservation.leave_queue(status=Status.CANCELLED, at=now, reason=EndReason.LEFT_QUEUE)
    save_reservation(reservation)
    warn_queue_head(book, now)  # R32: the next in line may be first now
    return reservation


@atomic_with_retry()
def end_reservation_by_admin(*, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """An admin ends an active reservation early; its unit goes to the queue (R13). Implements R25.

    The customer is told, as a removed queue entry is (issue 17). A loan that had already
    reached its end expired by itself: nothing to tell.

    Implements R32.
    """
    reservation = _end_loan(reservation, status=Status.ENDED_BY_ADMIN, now=now or timezone.now(), customer=None)
    if reservation.status == Status.ENDED_BY_ADMIN:
        user = reservation.customer.user
        with speaking_to(user):
            message = _("An admin ended your loan of “%(title)s” early; the book is back in the library.") % {
                "title": reservation.book.title
            }
        notify(user=user, kind=Notification.Kind.LOAN_ENDED, message=message)
    return reservation


@atomic_with_retry()
def remove_from_queue_by_admin(*, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """An admin removes a queued entry; the customer is notified. Implements R25."""
    now = now or timezone.now()
    book, reservation = lock_reservation(reservation)
    if reservation.status == Status.ACTIVE:
        raise ReservationIsActive(_("This reservation is active: end it instead of removing it from the queue."))
    if reservation.status != Status.QUEUED:
        raise ReservationNotQueued()
    reservation.leave_queue(status=Status.CANCELLED, at=now, reason=EndReason.REMOVED_BY_ADMIN)
    save_reservation(reservation)
    warn_queue_head(book, now)  # R32: the next in line may be first now
    user = reservation.customer.user
    with speaking_to(user):
        message = _("An admin removed you from the queue for “%(title)s”.") % {"title": book.title}
    notify(user=user, kind=Notification.Kind.DROPPED, message=message)
    return reservation


@atomic_with_retry()
def set_book_units(*, book: Book, units: int, now: datetime | None = None) -> Book:
    """Change how many units a book owns; raised units serve the queue at once (R13)."""
    now = now or timezone.now()
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise InvalidUnits()
    locked = lock_existing_book(book)
    expire_due(locked, now)
    if units < locked.units_on_loan:
        raise UnitsBelowOnLoan(
            _("%(count)s units are on loan; units cannot go below that.") % {"count": number(locked.units_on_loan)}
        )
    raised, lowered = units > locked.units, units < locked.units
    locked.units = units
    locked.save(update_fields=["units", "updated_at"])
    if raised:
        serve_queue(book=locked, now=now)
    elif lowered and locked.free_units == 0:
        units_ran_out.send(sender=Book, book=locked)  # R38: no copy is free to borrow any more
    book.units, book.units_on_loan = locked.units, locked.units_on_loan
    return locked


@atomic_with_retry()
def delete_book(*, book: Book, now: datetime | None = None) -> bool:
    """Delete a book that nobody holds or waits for (409 otherwise); True if it is gone.

    A book that was ever lent is withdrawn instead (R28): out of the catalog and no
    longer lent, its reservations kept, so nobody's R7 history changes. Queue entries
    that never became loans count for nothing and go with a book that is deleted.
    Implements R28.
    """
    now = now or timezone.now()
    locked = lock_existing_book(book)
    expire_due(locked, now, tell_wishers=False)  # the book goes: nobody is told it is free
    reservations = Reservation.objects.filter(book=locked)
    if reservations.live().exists():
        raise BookHasLiveReservations()
    if reservations.filter(starts_at__isnull=False).exists():
        if not locked.is_withdrawn:
            locked.withdrawn_at = now
            locked.save(update_fields=["withdrawn_at", "updated_at"])
        book.withdrawn_at = locked.withdrawn_at
        return False
    reservations.delete()
    locked.delete()
    return True


__all__ = [
    "delete_book",
    "end_reservation_by_admin",
    "leave_queue",
    "remove_from_queue_by_admin",
    "reserve",
    "return_reservation",
    "set_book_units",
]
