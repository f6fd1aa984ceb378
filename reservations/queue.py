"""Serving a book's queue: each free unit to the first customer who can take it (R12, R13).

Called, under the book's lock, by every release (return, expiry, admin end, units raised).
"""

from datetime import datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.languages import speaking_to
from accounts.models import Customer, Notification
from accounts.services import notify
from catalog.models import Book
from core.compiled import CompiledQuery
from core.formatting import local_time, toman

from .head_warning import warn_queue_head
from .loans import end_due_loans, running_loans, save_reservation, start_loan
from .models import EndReason, Reservation, Status
from .pricing import HISTORY_PARAMS, History, history_parameters, quote, with_history
from .queue_head import first_in_queue as _first_in_queue  # the name README's rule table gives R12
from .signals import unit_left_free


def _loans_and_history(customer: int, **window: datetime) -> QuerySet:
    """The customer's loans running at `now` (R10) and R7's history, as one row."""
    customers = with_history(Customer.objects.filter(pk=customer), **window)
    return customers.annotate(active=running_loans(window["now"])).values_list("active", "paid", "books_read")[:1]


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

    Implements R13.
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


def serve_queue(*, book: Book, now: datetime, tell_wishers: bool = True) -> list[Reservation]:
    """Give each free unit of the locked `book` to the queue in R12 order (R13).

    A customer who cannot be served is dropped with the reason recorded and notified,
    and the next one is tried, until the units or the queue run out. Call inside the
    transaction that released the units. A unit still free afterwards is announced
    (``announce_free_unit``, R38) unless the caller does that itself (`tell_wishers`).

    Implements R13.
    """
    promoted: list[Reservation] = []
    while book.free_units > 0:
        entry = _first_in_queue(book, now)
        if entry is None:
            break
        commit_durably()  # money moves or a customer is told: never an asynchronous commit
        customer = entry.customer  # locked by the lookup
        refusal, history = _promotion_refusal(entry, customer, now)
        if refusal:
            entry.leave_queue(status=Status.DROPPED, at=now, reason=refusal)
            save_reservation(entry)
            with speaking_to(customer.user):
                message = _("Your place in the queue for “%(title)s” was dropped: %(reason)s.") % {
                    "title": book.title,
                    "reason": str(EndReason(refusal).label).lower(),
                }
            notify(user=customer.user, kind=Notification.Kind.DROPPED, message=message)
            continue
        start_loan(book, entry, customer, now, history=history)
        promoted.append(entry)
        with speaking_to(customer.user):
            message = _("“%(title)s” is yours until %(ends)s; %(price)s was charged.") % {
                "title": book.title,
                "ends": local_time(entry.ends_at),
                "price": toman(entry.price),
            }
        notify(user=customer.user, kind=Notification.Kind.PROMOTED, message=message)
    warn_queue_head(book, now)  # R32: whoever is first now, if the wallet falls short
    if tell_wishers:
        announce_free_unit(book, now)
    return promoted


def announce_free_unit(book: Book, now: datetime) -> None:
    """Send ``unit_left_free`` if the locked `book` has a unit nobody took after its queue was served (R38)."""
    if book.free_units > 0 and not book.is_withdrawn:
        unit_left_free.send(sender=Book, book=book, now=now)


def expire_due(book: Book, now: datetime, *, tell_wishers: bool = True) -> int:
    """Expire the locked book's reservations whose end has come and serve its queue (R16, R13)."""
    expired, released = end_due_loans({book.pk: book}, now)
    if released:
        serve_queue(book=book, now=now, tell_wishers=tell_wishers)
    return expired


def set_synchronous_commit(on: bool) -> None:
    """PostgreSQL's synchronous_commit for the rest of this transaction; nothing elsewhere."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL synchronous_commit TO {'ON' if on else 'OFF'}")
        connection.bookstore_async_commit = not on


def commit_durably() -> None:
    if getattr(connection, "bookstore_async_commit", False):
        set_synchronous_commit(True)
