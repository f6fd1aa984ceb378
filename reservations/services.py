"""Reservation use cases (R1–R16, R25): each one atomic, locking the book, then customers.

Lock order: a use case locks the book's row first and then customers' rows, and every
change to a book's reservations happens under that book lock. The lock on the book is
what makes free units exact (R9) and the queue served before any newcomer (R13); the
``book_not_oversold`` constraint backs it up in the database.
"""

from datetime import datetime

from django.utils import timezone

from accounts.models import Customer, Notification, TierRule
from accounts.services import notify
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind
from billing.services import debit_wallet, lock_customer
from bookstore.formatting import local_time
from bookstore.transactions import atomic_with_retry
from catalog.models import Book

from .exceptions import (
    AlreadyReserved,
    BookHasLiveReservations,
    InvalidDays,
    InvalidUnits,
    NotReservationOwner,
    ReservationIsActive,
    ReservationLimitReached,
    ReservationNotActive,
    ReservationNotQueued,
    SubscriptionRequired,
    UnitsBelowOnLoan,
)
from .models import EndReason, Reservation, Status
from .pricing import quote


def lock_book(book: Book | int, *, skip_locked: bool = False) -> Book | None:
    """Return the book's row re-read under a row lock (None if skipped while locked)."""
    book_id = book if isinstance(book, int) else book.pk
    return Book.objects.select_for_update(skip_locked=skip_locked).filter(pk=book_id).first()


def _lock_reservation(reservation: Reservation | int) -> tuple[Book, Reservation]:
    """Lock the reservation's book, then re-read the reservation inside that lock."""
    reservation_id = reservation if isinstance(reservation, int) else reservation.pk
    book_id = Reservation.objects.values_list("book_id", flat=True).get(pk=reservation_id)
    book = lock_book(book_id)
    return book, Reservation.objects.select_related("customer__user", "book").get(pk=reservation_id)


def _validate_days(days: object, rule: TierRule) -> int:
    """A whole number from 1 to the tier's maximum (R4)."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidDays("Days must be a whole number.")
    if not 1 <= days <= rule.max_days:
        raise InvalidDays(f"Days must be from 1 to {rule.max_days} on your tier.")
    return days


def _active_count(customer: Customer, now: datetime) -> int:
    return Reservation.objects.filter(customer=customer).active_at(now).count()


def _start_loan(book: Book, reservation: Reservation, customer: Customer, at: datetime) -> None:
    """Price, charge and activate `reservation` on a free unit of the locked `book` (R6, R7, R9)."""
    price = quote(customer, reservation.days, at)
    if customer.balance < price.price:
        raise InsufficientFunds(shortfall=price.price - customer.balance)
    reservation.activate(at=at, price=price.price, discount=price.discount)
    reservation.save()
    book.units_on_loan += 1
    book.save(update_fields=["units_on_loan"])
    debit_wallet(
        customer=customer,
        amount=price.price,
        kind=TransactionKind.RESERVATION,
        reference=f"Reservation #{reservation.pk}: {book.title} × {reservation.days} days"
        + (f" (−{price.discount}%)" if price.discount else ""),
        now=at,
    )


def _promotion_refusal(reservation: Reservation, customer: Customer, now: datetime) -> str | None:
    """Say why the first queued customer cannot be served now, or None if they can (R13)."""
    rule = customer.rule_at(now)
    if rule is None:
        return EndReason.NO_SUBSCRIPTION
    if reservation.days > rule.max_days:
        return EndReason.DAYS_EXCEED_TIER
    if _active_count(customer, now) >= rule.max_active:
        return EndReason.LIMIT_REACHED
    if customer.balance < quote(customer, reservation.days, now).price:
        return EndReason.INSUFFICIENT_FUNDS
    return None


def serve_queue(*, book: Book, now: datetime) -> list[Reservation]:
    """Give each free unit of the locked `book` to the queue in R12 order (R13).

    A customer who cannot be served is dropped with the reason recorded and notified,
    and the next one is tried, until the units or the queue run out. Call inside the
    transaction that released the units.
    """
    promoted: list[Reservation] = []
    while book.free_units > 0:
        entry = Reservation.objects.filter(book=book).in_queue_order(now).select_related("customer").first()
        if entry is None:
            break
        customer = lock_customer(entry.customer_id)
        refusal = _promotion_refusal(entry, customer, now)
        if refusal:
            entry.leave_queue(status=Status.DROPPED, at=now, reason=refusal)
            entry.save()
            notify(
                user=customer.user,
                kind=Notification.Kind.DROPPED,
                message=f"Your place in the queue for “{book.title}” was dropped: {EndReason(refusal).label.lower()}.",
            )
            continue
        _start_loan(book, entry, customer, now)
        promoted.append(entry)
        notify(
            user=customer.user,
            kind=Notification.Kind.PROMOTED,
            message=f"“{book.title}” is yours until {local_time(entry.ends_at)}; {entry.price:,} toman was charged.",
        )
    return promoted


def _release(book: Book, reservation: Reservation, *, status: str, at: datetime) -> None:
    """End an active loan on the locked `book` and free its unit; the caller serves the queue."""
    reservation.finish(status=status, at=at)
    reservation.save()
    book.units_on_loan -= 1
    book.save(update_fields=["units_on_loan"])


def _expire_due(book: Book, now: datetime) -> int:
    """Expire the locked book's reservations whose end has come and serve its queue (R16, R13)."""
    due = list(Reservation.objects.filter(book=book).due(now).order_by("ends_at", "id"))
    for reservation in due:
        _release(book, reservation, status=Status.EXPIRED, at=reservation.ends_at)
    if due:
        serve_queue(book=book, now=now)
    return len(due)


@atomic_with_retry()
def reserve(*, customer: Customer, book: Book, days: int, now: datetime | None = None) -> Reservation:
    """Reserve `book` for `days` (R1, R4, R8–R12): active at once if a unit is free, else queued."""
    now = now or timezone.now()
    # Cheap refusals first, then the same checks again on the locked rows.
    rule = customer.rule_at(now)
    if rule is None:
        raise SubscriptionRequired()
    _validate_days(days, rule)

    book = lock_book(book)
    _expire_due(book, now)  # an overdue loan never blocks a unit (R16)
    customer = lock_customer(customer)
    rule = customer.rule_at(now)
    if rule is None:
        raise SubscriptionRequired()
    _validate_days(days, rule)
    if Reservation.objects.filter(customer=customer, book=book).live().exists():
        raise AlreadyReserved()

    reservation = Reservation(customer=customer, book=book, days=days, requested_at=now, status=Status.QUEUED)
    if book.free_units > 0:
        if _active_count(customer, now) >= rule.max_active:
            raise ReservationLimitReached(
                f"Your {customer.get_tier_display()} tier allows {rule.max_active} active reservations."
            )
        _start_loan(book, reservation, customer, now)
    else:
        price = quote(customer, days, now).price
        if customer.balance < price:
            raise InsufficientFunds(shortfall=price - customer.balance)
        reservation.full_clean()
        reservation.save()
    return reservation


def _end_loan(reservation: Reservation, *, status: str, now: datetime, customer: Customer | None) -> Reservation:
    """End an active loan early and serve the queue (R13); `customer`, if given, must own it.

    A loan already past its end has expired by itself (R16): that is recorded instead,
    and the book is back either way.
    """
    book, reservation = _lock_reservation(reservation)
    if customer is not None and reservation.customer_id != customer.pk:
        raise NotReservationOwner()
    if reservation.status != Status.ACTIVE:
        raise ReservationNotActive()  # including one the sweep already expired
    if reservation.is_overdue(now):
        _expire_due(book, now)
        reservation.refresh_from_db()
        return reservation
    _release(book, reservation, status=status, at=now)
    serve_queue(book=book, now=now)
    return reservation


@atomic_with_retry()
def return_reservation(*, customer: Customer, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Return an active reservation early; its unit goes to the queue (R15, R13). No refund."""
    return _end_loan(reservation, status=Status.RETURNED, now=now or timezone.now(), customer=customer)


@atomic_with_retry()
def leave_queue(*, customer: Customer, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Leave a queue at any time, at no charge (R14)."""
    now = now or timezone.now()
    _, reservation = _lock_reservation(reservation)
    if reservation.customer_id != customer.pk:
        raise NotReservationOwner()
    if reservation.status == Status.ACTIVE:
        raise ReservationIsActive()
    if reservation.status != Status.QUEUED:
        raise ReservationNotQueued()
    reservation.leave_queue(status=Status.CANCELLED, at=now, reason=EndReason.LEFT_QUEUE)
    reservation.save()
    return reservation


@atomic_with_retry()
def end_reservation_by_admin(*, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """An admin ends an active reservation early; its unit goes to the queue (R25, R13)."""
    return _end_loan(reservation, status=Status.ENDED_BY_ADMIN, now=now or timezone.now(), customer=None)


@atomic_with_retry()
def remove_from_queue_by_admin(*, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """An admin removes a queued entry; the customer is notified (R25)."""
    now = now or timezone.now()
    book, reservation = _lock_reservation(reservation)
    if reservation.status == Status.ACTIVE:
        raise ReservationIsActive("This reservation is active: end it instead of removing it from the queue.")
    if reservation.status != Status.QUEUED:
        raise ReservationNotQueued()
    reservation.leave_queue(status=Status.CANCELLED, at=now, reason=EndReason.REMOVED_BY_ADMIN)
    reservation.save()
    notify(
        user=reservation.customer.user,
        kind=Notification.Kind.DROPPED,
        message=f"An admin removed you from the queue for “{book.title}”.",
    )
    return reservation


def expire_due_reservations(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End every reservation whose time is up and serve the queues (R16, R13); safe to rerun.

    Each book is handled in its own transaction; a book locked by another worker or
    request is skipped: a reserve or return on it expires its due loans itself, and
    anything else leaves them for the next sweep, which R16 allows since an overdue
    loan blocks nobody.
    """
    now = now or timezone.now()
    book_ids = list(
        Reservation.objects.due(now).order_by("book_id").values_list("book_id", flat=True).distinct()[:batch_size]
    )
    expired = 0
    for book_id in book_ids:
        expired += _expire_book(book_id, now)
    return expired


@atomic_with_retry()
def _expire_book(book_id: int, now: datetime) -> int:
    book = lock_book(book_id, skip_locked=True)
    return _expire_due(book, now) if book is not None else 0


@atomic_with_retry()
def set_book_units(*, book: Book, units: int, now: datetime | None = None) -> Book:
    """Change how many units a book owns; raised units serve the queue at once (R13)."""
    now = now or timezone.now()
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise InvalidUnits()
    locked = lock_book(book)
    _expire_due(locked, now)
    if units < locked.units_on_loan:
        raise UnitsBelowOnLoan(f"{locked.units_on_loan} units are on loan; units cannot go below that.")
    raised = units > locked.units
    locked.units = units
    locked.save(update_fields=["units", "updated_at"])
    if raised:
        serve_queue(book=locked, now=now)
    book.units, book.units_on_loan = locked.units, locked.units_on_loan
    return locked


@atomic_with_retry()
def delete_book(*, book: Book, now: datetime | None = None) -> None:
    """Delete a book that nobody holds or waits for (409 otherwise)."""
    now = now or timezone.now()
    locked = lock_book(book)
    _expire_due(locked, now)
    if Reservation.objects.filter(book=locked).live().exists():
        raise BookHasLiveReservations()
    Reservation.objects.filter(book=locked).delete()
    locked.delete()


__all__ = [
    "delete_book",
    "end_reservation_by_admin",
    "expire_due_reservations",
    "leave_queue",
    "remove_from_queue_by_admin",
    "reserve",
    "return_reservation",
    "serve_queue",
    "set_book_units",
]
