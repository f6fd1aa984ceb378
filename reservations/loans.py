"""The writes of a loan and of a reservation, each under its book's lock (R9, R13, R16).

The steps the reservation use cases (``services``, ``queue``, ``expiry``) are made of: they
lock the book first (``catalog.models.lock_book``), then use these.
"""

from collections import Counter
from datetime import datetime

from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import Customer, TierRule
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind
from billing.services import debit_wallet
from catalog.cache import invalidate_catalog_cache
from catalog.models import Book, lock_book
from core.compiled import CompiledQuery, Param
from core.compiled_writes import CompiledInsert, CompiledUpdate
from core.formatting import number

from .exceptions import (
    BookNotFound,
    InvalidDays,
    NotReservationOwner,
)
from .models import Reservation, Status
from .pricing import History, per_customer, quote

# The writes of every reserve and release, compiled once per thread (core.compiled): the
# same statements as the ORM's, without building them again.
_RESERVATION_FIELDS = [field.name for field in Reservation._meta.concrete_fields if not field.primary_key]


_INSERT_RESERVATION = CompiledInsert(Reservation, _RESERVATION_FIELDS)


# A reservation never changes customer or book after its insert (see lock_reservation).
_WRITE_RESERVATION = CompiledUpdate(
    Reservation, [name for name in _RESERVATION_FIELDS if name not in ("customer", "book")]
)


def lock_existing_book(book: Book | int) -> Book:
    """Lock the book's row; a book deleted meanwhile is a 404, never a None to trip on."""
    locked = lock_book(book)
    if locked is None:
        raise BookNotFound()
    return locked


def save_reservation(reservation: Reservation) -> None:
    """``reservation.save()`` in one compiled statement: an INSERT, or an UPDATE of the row.

    Nothing listens to a reservation's save signals; its customer and book never change
    after the insert (see lock_reservation). The book's availability and queue that
    cached lists show change with it: they go stale at commit.
    """
    if reservation._state.adding:
        _INSERT_RESERVATION.run(reservation)
    else:
        _WRITE_RESERVATION.run(reservation)
    invalidate_catalog_cache()


def lock_reservation(reservation: Reservation, *, owner: Customer | None = None) -> tuple[Book, Reservation]:
    """Lock the reservation's book, then re-read the reservation inside that lock.

    A reservation never changes book (nothing writes ``book_id`` after the insert, and the
    admin cannot edit one), so even a stale copy names the right book to lock. With
    `owner`, a reservation that is not that customer's is refused (the API and pages find
    only one's own, so they answer 404 before this).
    """
    book = lock_book(reservation.book_id)
    locked = LOCKED_RESERVATION.first(pk=reservation.pk)
    if locked is None:  # pragma: no cover - reservations are never deleted
        raise Reservation.DoesNotExist("Reservation matching query does not exist.")
    if owner is not None and locked.customer_id != owner.pk:
        raise NotReservationOwner()
    locked.book = book  # the row just locked: not read again
    return book, locked


def validate_days(days: object, rule: TierRule) -> int:
    """A whole number from 1 to the tier's maximum (R4). Implements R4."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidDays(_("Days must be a whole number."))
    if not 1 <= days <= rule.max_days:
        raise InvalidDays(_("Days must be from 1 to %(max)s on your tier.") % {"max": number(rule.max_days)})
    return days


def start_loan(
    book: Book, reservation: Reservation, customer: Customer, at: datetime, history: History | None = None
) -> None:
    """Price, charge and activate `reservation` on a free unit of the locked `book` (R6, R7, R9). Implements R9."""
    price = quote(customer, reservation.days, at, history=history)
    if customer.balance < price.price:
        raise InsufficientFunds(shortfall=price.price - customer.balance)
    reservation.activate(at=at, price=price.price, discount=price.discount)
    save_reservation(reservation)
    book.lend()
    debit_wallet(
        customer=customer,
        amount=price.price,
        kind=TransactionKind.RESERVATION,
        # The title is isolated (U+2068…U+2069) so a Persian title does not reorder the line.
        reference=f"Reservation #{reservation.pk}: \u2068{book.title}\u2069 × {reservation.days} days"
        + (f" (−{price.discount}%)" if price.discount else ""),
        now=at,
    )


def running_loans(now: datetime) -> Coalesce:
    """How many loans of the outer query's customer run at `now` (R10). Implements R10."""
    return per_customer(Reservation.objects.active_at(now), Count("pk"))


LOCKED_RESERVATION = CompiledQuery(
    lambda pk: Reservation.objects.select_related("customer__user").filter(pk=pk)[:1], pk=Param("pk", 0)
)


def release(book: Book, reservation: Reservation, *, status: str, at: datetime) -> None:
    """End an active loan on the locked `book` and free its unit; the caller serves the queue."""
    reservation.finish(status=status, at=at)
    save_reservation(reservation)
    book.take_back()


def end_due_loans(books: dict[int, Book], now: datetime) -> tuple[int, list[Book]]:
    """End the locked books' loans whose end has come, each at its own ``ends_at`` (R16).

    Set statements whatever their number: one UPDATE of the reservations, and one of
    the books' units on loan per distinct number of loans ended. Returns how many ended
    and the books that got units back; the caller serves their queues (R13).

    Implements R16.
    """
    due = list(Reservation.objects.filter(book_id__in=books).due(now).order_by("book_id", "ends_at", "id"))
    if not due:
        return 0, []
    for reservation in due:
        reservation.finish(status=Status.EXPIRED, at=reservation.ends_at)  # checks the transition
        books[reservation.book_id].units_on_loan -= 1
    Reservation.objects.filter(pk__in=[reservation.pk for reservation in due]).update(
        status=Status.EXPIRED, ended_at=F("ends_at"), end_reason=Status.EXPIRED
    )
    ended = Counter(reservation.book_id for reservation in due)
    # Each book's units on loan drop by its loans that ended: one UPDATE per distinct
    # count (1 or 2 nearly always), where bulk_update built a CASE per book (a third of
    # the sweep's time; make bench).
    for count in sorted(set(ended.values())):
        Book.objects.filter(pk__in=[book_id for book_id, n in ended.items() if n == count]).take_back(count)
    return len(due), [books[book_id] for book_id in ended]
