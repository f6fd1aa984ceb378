"""Reservation use cases (R1–R16, R25): each one atomic, locking the book, then customers.

Lock order: a use case locks the book's row first and then customers' rows, and every
change to a book's reservations happens under that book lock. The lock on the book is
what makes free units exact (R9) and the queue served before any newcomer (R13); the
``book_not_oversold`` constraint backs it up in the database.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Customer, Notification, TierRule
from accounts.services import notify
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind
from billing.services import debit_wallet, lock_customer
from catalog.cache import invalidate_catalog_cache
from catalog.models import Book, lock_book
from core.compiled import CompiledInsert, CompiledQuery, CompiledUpdate, Param
from core.formatting import local_time
from core.transactions import atomic_with_retry

from .exceptions import (
    AlreadyReserved,
    BookHasLiveReservations,
    BookNotFound,
    BookWithdrawn,
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
from .pricing import HISTORY_PARAMS, History, history_parameters, per_customer, quote, with_history

# The writes of every reserve and release, compiled once per thread (core.compiled): the
# same statements as the ORM's, without building them again.
_RESERVATION_FIELDS = [field.name for field in Reservation._meta.concrete_fields if not field.primary_key]
_INSERT_RESERVATION = CompiledInsert(Reservation, _RESERVATION_FIELDS)
# A reservation never changes customer or book after its insert (see _lock_reservation).
_WRITE_RESERVATION = CompiledUpdate(
    Reservation, [name for name in _RESERVATION_FIELDS if name not in ("customer", "book")]
)


def _lock_existing_book(book: Book | int) -> Book:
    """Lock the book's row; a book deleted meanwhile is a 404, never a None to trip on."""
    locked = lock_book(book)
    if locked is None:
        raise BookNotFound()
    return locked


def _save_reservation(reservation: Reservation) -> None:
    """``reservation.save()`` in one compiled statement: an INSERT, or an UPDATE of the row.

    Nothing listens to a reservation's save signals; its customer and book never change
    after the insert (see _lock_reservation). The book's availability and queue that
    cached lists show change with it: they go stale at commit.
    """
    if reservation._state.adding:
        _INSERT_RESERVATION.run(reservation)
    else:
        _WRITE_RESERVATION.run(reservation)
    invalidate_catalog_cache()


def _lock_reservation(reservation: Reservation) -> tuple[Book, Reservation]:
    """Lock the reservation's book, then re-read the reservation inside that lock.

    A reservation never changes book (nothing writes ``book_id`` after the insert, and the
    admin cannot edit one), so even a stale copy names the right book to lock.
    """
    book = lock_book(reservation.book_id)
    locked = _LOCKED_RESERVATION.first(pk=reservation.pk)
    if locked is None:  # pragma: no cover - reservations are never deleted
        raise Reservation.DoesNotExist("Reservation matching query does not exist.")
    locked.book = book  # the row just locked: not read again
    return book, locked


def _validate_days(days: object, rule: TierRule) -> int:
    """A whole number from 1 to the tier's maximum (R4)."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidDays("Days must be a whole number.")
    if not 1 <= days <= rule.max_days:
        raise InvalidDays(f"Days must be from 1 to {rule.max_days} on your tier.")
    return days


def _start_loan(
    book: Book, reservation: Reservation, customer: Customer, at: datetime, history: History | None = None
) -> None:
    """Price, charge and activate `reservation` on a free unit of the locked `book` (R6, R7, R9)."""
    price = quote(customer, reservation.days, at, history=history)
    if customer.balance < price.price:
        raise InsufficientFunds(shortfall=price.price - customer.balance)
    reservation.activate(at=at, price=price.price, discount=price.discount)
    _save_reservation(reservation)
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


def _running_loans(now: datetime) -> Coalesce:
    """How many loans of the outer query's customer run at `now` (R10)."""
    return per_customer(Reservation.objects.active_at(now), Count("pk"))


def _loans_and_history(customer: int, **window: datetime) -> QuerySet:
    """The customer's loans running at `now` (R10) and R7's history, as one row."""
    customers = with_history(Customer.objects.filter(pk=customer), **window)
    return customers.annotate(active=_running_loans(window["now"])).values_list("active", "paid", "books_read")[:1]


_LOANS_AND_HISTORY = CompiledQuery(_loans_and_history, **HISTORY_PARAMS)


def _active_and_history(customer: Customer, now: datetime) -> tuple[int, History]:
    """The customer's running loans (R10) and R7 history at `now`, in one query."""
    active, paid, books_read = _LOANS_AND_HISTORY.first(**history_parameters(customer.pk, now))
    return active, History(paid=paid, books_read=books_read)


def _promotion_refusal(
    reservation: Reservation, customer: Customer, now: datetime
) -> tuple[str | None, History | None]:
    """Say why the first queued customer cannot be served now, or None if they can (R13).

    Also returns the customer's R7 history once it was read, so the loan is priced with it.
    """
    rule = customer.rule_at(now)
    if rule is None:
        return EndReason.NO_SUBSCRIPTION, None
    if reservation.days > rule.max_days:
        return EndReason.DAYS_EXCEED_TIER, None
    active, history = _active_and_history(customer, now)
    if active >= rule.max_active:
        return EndReason.LIMIT_REACHED, None
    if customer.balance < quote(customer, reservation.days, now, history=history).price:
        return EndReason.INSUFFICIENT_FUNDS, history
    return None, history


def _queue_heads(book: int, now: datetime) -> QuerySet[Book]:
    """Ids of the book's earliest queued entry of a customer with queue priority at `now`, and of its first (R12)."""
    queued = Reservation.objects.filter(book=OuterRef("pk")).queued().order_by("requested_at", "id")
    premium = queued.filter(Customer.queue_priority_q(now, "customer__"))
    return (
        Book.objects.filter(pk=book)
        .order_by()
        .annotate(premium=Subquery(premium.values("pk")[:1]), first=Subquery(queued.values("pk")[:1]))
        .values_list("premium", "first")[:1]
    )


def _entry_with_customer_locked(pk: int) -> QuerySet[Reservation]:
    return Reservation.objects.filter(pk=pk).select_related("customer__user").select_for_update(of=("customer",))[:1]


_QUEUE_HEADS = CompiledQuery(_queue_heads, book=Param("book", 0), now=Param("now", datetime.now(UTC)))
_ENTRY_WITH_CUSTOMER_LOCKED = CompiledQuery(_entry_with_customer_locked, pk=Param("pk", 0))
_LOCKED_RESERVATION = CompiledQuery(
    lambda pk: Reservation.objects.select_related("customer__user").filter(pk=pk)[:1], pk=Param("pk", 0)
)


def _first_in_queue(book: Book, now: datetime) -> Reservation | None:
    """The entry ``in_queue_order(now)`` puts first (R12), with its customer's row locked.

    The earliest entry of a customer with queue priority at `now`, else the earliest. One
    statement finds both: each subquery walks ``reservation_queue_idx`` in request order
    and stops at its first match, where one query sorting the whole queue by priority
    would read all of it (10,000 entries: 30 ms; make bench). A book with no queue costs
    that one statement. The entry chosen is then read with its customer's row locked, so
    it is served with its customer's current balance. The caller holds the book's lock,
    under which every change to the book's queue happens, so the entries cannot change
    in between; a customer who gained priority after the first statement is served as
    they were then, as if their purchase had come a moment later.
    """
    premium, first = _QUEUE_HEADS.first(book=book.pk, now=now)
    head = premium or first
    return None if head is None else _ENTRY_WITH_CUSTOMER_LOCKED.first(pk=head)


def serve_queue(*, book: Book, now: datetime) -> list[Reservation]:
    """Give each free unit of the locked `book` to the queue in R12 order (R13).

    A customer who cannot be served is dropped with the reason recorded and notified,
    and the next one is tried, until the units or the queue run out. Call inside the
    transaction that released the units.
    """
    promoted: list[Reservation] = []
    while book.free_units > 0:
        entry = _first_in_queue(book, now)
        if entry is None:
            break
        _commit_durably()  # money moves or a customer is told: never an asynchronous commit
        customer = entry.customer  # locked by the lookup
        refusal, history = _promotion_refusal(entry, customer, now)
        if refusal:
            entry.leave_queue(status=Status.DROPPED, at=now, reason=refusal)
            _save_reservation(entry)
            notify(
                user=customer.user,
                kind=Notification.Kind.DROPPED,
                message=f"Your place in the queue for “{book.title}” was dropped: {EndReason(refusal).label.lower()}.",
            )
            continue
        _start_loan(book, entry, customer, now, history=history)
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
    _save_reservation(reservation)
    book.take_back()


def _end_due_loans(books: dict[int, Book], now: datetime) -> tuple[int, list[Book]]:
    """End the locked books' loans whose end has come, each at its own ``ends_at`` (R16).

    Set statements whatever their number: one UPDATE of the reservations, and one of
    the books' units on loan per distinct number of loans ended. Returns how many ended
    and the books that got units back; the caller serves their queues (R13).
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


def _expire_due(book: Book, now: datetime) -> int:
    """Expire the locked book's reservations whose end has come and serve its queue (R16, R13)."""
    expired, released = _end_due_loans({book.pk: book}, now)
    if released:
        serve_queue(book=book, now=now)
    return expired


@dataclass(frozen=True)
class _ReserveChecks:
    live_here: bool  # the customer waits for this book or holds it still running (R8, R16)
    active: int  # the customer's loans running now (R10)
    book_has_due_loans: bool  # loans of this book whose end has come (R16)
    history: History  # for the price (R7)


def _reserve_checks_query(customer: int, book: int, **window: datetime) -> QuerySet:
    """Every figure reserve() checks on the locked rows, as one row (R8, R10, R16, R7)."""
    now = window["now"]
    mine = Reservation.objects.filter(customer=OuterRef("pk"))
    customers = with_history(Customer.objects.filter(pk=customer), **window).annotate(
        live_here=Exists(mine.filter(book=book).live_at(now)),
        active=_running_loans(now),
        book_has_due_loans=Exists(Reservation.objects.filter(book=book).due(now)),
    )
    return customers.values_list("live_here", "active", "book_has_due_loans", "paid", "books_read")[:1]


_RESERVE_CHECKS = CompiledQuery(_reserve_checks_query, book=Param("book", 0), **HISTORY_PARAMS)


def _reserve_checks(customer: Customer, book: Book, now: datetime) -> _ReserveChecks:
    """Everything reserve() checks about the locked customer and book, in one query.

    Read after both locks, in a statement of its own: in READ COMMITTED a statement sees
    the rows committed before it began, so these figures include every change made under
    the locks by whoever held them before.
    """
    row = _RESERVE_CHECKS.first(book=book.pk, **history_parameters(customer.pk, now))
    live_here, active, book_has_due_loans, paid, books_read = row
    return _ReserveChecks(
        live_here=bool(live_here),
        active=active,
        book_has_due_loans=bool(book_has_due_loans),
        history=History(paid=paid, books_read=books_read),
    )


@atomic_with_retry()
def reserve(*, customer: Customer, book: Book | int, days: int, now: datetime | None = None) -> Reservation:
    """Reserve `book` for `days` (R1, R4, R8–R12): active at once if a unit is free, else queued.

    `book` may be a book's id: an id naming no book raises ValidationError on ``book``.
    """
    now = now or timezone.now()
    # Cheap refusals first, then the same checks again on the locked rows.
    rule = customer.rule_at(now)
    if rule is None:
        raise SubscriptionRequired()
    _validate_days(days, rule)

    book = lock_book(book)
    if book is None:  # a book id that names no book (the API passes the id, not a row)
        raise ValidationError({"book": ["No such book."]}, code="does_not_exist")
    if book.is_withdrawn:
        raise BookWithdrawn()
    customer = lock_customer(customer, with_user=False)  # no notice goes to the reserving customer
    rule = customer.rule_at(now)
    if rule is None:
        raise SubscriptionRequired()
    _validate_days(days, rule)
    checks = _reserve_checks(customer, book, now)
    if checks.live_here:
        raise AlreadyReserved()
    if checks.book_has_due_loans:
        # An overdue loan never blocks a unit (R16), nor its own customer (R8): it ends
        # here, before the new row that the one-live-reservation constraint would refuse.
        # Serving the queue cannot touch this customer's figures: a customer in this
        # book's queue was refused just above.
        _expire_due(book, now)

    reservation = Reservation(customer=customer, book=book, days=days, requested_at=now, status=Status.QUEUED)
    if book.free_units > 0:
        if checks.active >= rule.max_active:
            raise ReservationLimitReached(
                f"Your {customer.get_tier_display()} tier allows {rule.max_active} active reservations."
            )
        _start_loan(book, reservation, customer, now, history=checks.history)
    else:
        price = quote(customer, days, now, history=checks.history).price
        if customer.balance < price:
            raise InsufficientFunds(shortfall=price - customer.balance)
        # Fields only: the customer and book are the rows locked above, and the constraints
        # were checked just before (R8) or are the database's; validating them here ran
        # 20 statements, each constraint in a savepoint of its own (make bench).
        reservation.full_clean(exclude=["customer", "book"], validate_unique=False, validate_constraints=False)
        _save_reservation(reservation)
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
    _save_reservation(reservation)
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
    _save_reservation(reservation)
    notify(
        user=reservation.customer.user,
        kind=Notification.Kind.DROPPED,
        message=f"An admin removed you from the queue for “{book.title}”.",
    )
    return reservation


def expire_due_reservations(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End every reservation whose time is up and serve the queues (R16, R13); safe to rerun.

    Up to `batch_size` books are handled, EXPIRE_BOOKS_PER_TRANSACTION to a transaction;
    a book locked by another worker or request is skipped: a reserve or return on it
    expires its due loans itself, and anything else leaves them for the next sweep,
    which R16 allows since an overdue loan blocks nobody.
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

    The same as ``_expire_due`` on each book, in set statements: the books locked in one
    statement (skipping locked ones), their due loans read and ended in one each, units
    on loan written in one; only books with a queue are then served one by one (R13).
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
    _set_synchronous_commit(False)
    try:
        expired, released = _end_due_loans(books, now)
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
        return expired
    finally:
        connection.bookstore_async_commit = False  # SET LOCAL ends with the transaction


def _set_synchronous_commit(on: bool) -> None:
    """PostgreSQL's synchronous_commit for the rest of this transaction; nothing elsewhere."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL synchronous_commit TO {'ON' if on else 'OFF'}")
        connection.bookstore_async_commit = not on


def _commit_durably() -> None:
    if getattr(connection, "bookstore_async_commit", False):
        _set_synchronous_commit(True)


@atomic_with_retry()
def set_book_units(*, book: Book, units: int, now: datetime | None = None) -> Book:
    """Change how many units a book owns; raised units serve the queue at once (R13)."""
    now = now or timezone.now()
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise InvalidUnits()
    locked = _lock_existing_book(book)
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
def delete_book(*, book: Book, now: datetime | None = None) -> bool:
    """Delete a book that nobody holds or waits for (409 otherwise); True if it is gone.

    A book that was ever lent is withdrawn instead (R28): out of the catalog and no
    longer lent, its reservations kept, so nobody's R7 history changes. Queue entries
    that never became loans count for nothing and go with a book that is deleted.
    """
    now = now or timezone.now()
    locked = _lock_existing_book(book)
    _expire_due(locked, now)
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
    "expire_due_reservations",
    "leave_queue",
    "remove_from_queue_by_admin",
    "reserve",
    "return_reservation",
    "serve_queue",
    "set_book_units",
]
