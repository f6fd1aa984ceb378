"""Renewing a running loan (R29), and the notification that says so (R32).

A loan is renewed under its book's lock, the same lock every queue join and every
release takes (R9, R13): so "nobody is waiting" is exact at the moment of renewal, and
a renewal can never pass a newcomer who joined the queue just before it.

Decisions where SPEC is silent:
- ``discount`` of a renewed loan is the discount of the whole loan: the days-weighted
  mean of the percents its charges earned, rounded to the nearest percent. It equals the
  one percent of a loan never renewed, so ``price`` reads as "``days`` at about
  ``discount``% off" either way; the percent of each charge is in its ledger row.
- A renewal's own days are 1 to the tier's maximum at the renewal (R2, R3, R4); the
  loan's total may pass that maximum (the database allows the total per renewal).
- A loan may run past the end of the subscription that renewed it: it is paid for.
- Only what blocks a renewal is checked: the tier's active limit (R10) does not apply,
  since a renewal adds no loan.
- The catalog cache goes stale like on every reservation write (``save_reservation``):
  the units stay on loan, but a cached page keeps only until its loans' ends, which
  a renewal moves.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.languages import speaking_to
from accounts.models import Customer, Notification, TierRule
from accounts.services import notify
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind
from billing.services import debit_wallet, lock_customer
from core.exceptions import DomainError
from core.formatting import local_time, number, toman
from core.transactions import atomic_with_retry

from .exceptions import (
    BookHasQueue,
    RenewalLimitReached,
    ReservationNotActive,
    SubscriptionRequired,
)
from .loans import lock_reservation, save_reservation, validate_days
from .models import DAY, MAX_RENEWALS, Reservation, Status
from .pricing import Quote, base_price, quote


def is_running(reservation: Reservation, now: datetime) -> bool:
    """An active loan that has started and not reached its end at `now` (R16, R29)."""
    return reservation.status == Status.ACTIVE and reservation.starts_at <= now < reservation.ends_at


def renewal_refusal(
    reservation: Reservation, *, rule: TierRule | None, book_has_queue: bool, now: datetime
) -> DomainError | None:
    """Why `reservation` cannot be renewed at `now`, or None: the state checks of R29.

    The service asks it on the locked rows; my reservations asks it to show or hide the
    Renew control with its reason.
    """
    if not is_running(reservation, now):
        return ReservationNotActive(_("Only a loan that is running can be renewed."))
    if rule is None:
        return SubscriptionRequired(_("Renewing a loan needs a Plus or Premium subscription."))
    if reservation.renewals >= MAX_RENEWALS:
        return RenewalLimitReached(
            ngettext(
                "This loan was renewed %(count)s time, the most a loan allows.",
                "This loan was renewed %(count)s times, the most a loan allows.",
                MAX_RENEWALS,
            )
            % {"count": number(MAX_RENEWALS)}
        )
    if book_has_queue:
        return BookHasQueue()
    return None


def whole_loan_discount(reservation: Reservation, days: int, charged: int) -> int:
    """The loan's percent off after adding `days` charged `charged`: the days-weighted mean, rounded."""
    base = base_price(reservation.days + days)
    off = base - (reservation.price + charged)
    return (200 * off + base) // (2 * base)


def _renewal_reference(customer: Customer, reservation: Reservation, days: int, price: Quote) -> str:
    """The ledger row's words, in the customer's language: they are read later (R40)."""
    with speaking_to(customer.user):
        text = ngettext("Renewal of “%(title)s” × %(days)s day", "Renewal of “%(title)s” × %(days)s days", days) % {
            # Isolated (U+2068…U+2069), so a Persian title does not reorder the line.
            "title": f"\u2068{reservation.book.title}\u2069",
            "days": number(days),
        }
        if price.discount:
            text = _("%(reference)s (−%(discount)s%%)") % {"reference": text, "discount": number(price.discount)}
        return text


def _renewed_message(customer: Customer, reservation: Reservation, charged: int) -> str:
    """The notification of a renewal (R32), in the customer's language."""
    with speaking_to(customer.user):
        return _("Your loan of “%(title)s” is renewed until %(ends)s; %(price)s was paid from your wallet.") % {
            "title": reservation.book.title,
            "ends": local_time(reservation.ends_at),
            "price": toman(charged),
        }


@atomic_with_retry()
def renew(*, customer: Customer, reservation: Reservation, days: int, now: datetime | None = None) -> Reservation:
    """Extend a running loan by `days`, paid from the wallet, while nobody waits for the book (R29, R32).

    Locks the book, re-reads the reservation, then locks the customer (the lock order of
    every reservation use case). Any refusal changes nothing; the customer is told of a
    renewal in their language. Implements R29 and R32.
    """
    now = now or timezone.now()
    book, reservation = lock_reservation(reservation, owner=customer)
    customer = lock_customer(customer, with_user=True)  # the notice goes to this customer
    rule = customer.rule_at(now)
    refusal = renewal_refusal(reservation, rule=rule, book_has_queue=False, now=now)
    if refusal is not None:
        raise refusal
    validate_days(days, rule)
    # Exact under the book's lock: every queue join and every release takes it too.
    if Reservation.objects.filter(book=book).waiting(now).exists():
        raise BookHasQueue()

    price = quote(customer, days, now)
    if customer.balance < price.price:
        raise InsufficientFunds(shortfall=price.price - customer.balance)
    reservation.discount = whole_loan_discount(reservation, days, price.price)
    reservation.ends_at += DAY * days
    reservation.days += days
    reservation.price += price.price
    reservation.renewals += 1
    save_reservation(reservation)
    debit_wallet(
        customer=customer,
        amount=price.price,
        kind=TransactionKind.RESERVATION,
        reference=_renewal_reference(customer, reservation, days, price),
        now=now,
    )
    message = _renewed_message(customer, reservation, price.price)
    notify(user=customer.user, kind=Notification.Kind.RENEWED, message=message)
    return reservation


__all__ = ["is_running", "renew", "renewal_refusal", "whole_loan_discount"]
