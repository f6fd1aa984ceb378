"""“You are first in line and your wallet does not cover the price” (R32): once per queue entry.

A queued place is charged when it is served (R13); a wallet that then holds less than the
price drops it. The customer first in line (R12 order among the waiting entries, paused
ones skipped: R30) is told before, once per entry (``Reservation.wallet_warned_at``):

- ``warn_queue_head(book, now)``: when an entry may have become first — at the end of
  ``serve_queue`` (promotions and drops) and after a place leaves the queue (the customer
  or an admin). The caller holds the book's lock; the head is read with its customer's row
  locked (``queue_head.first_in_queue``), so the balance is the current one. Joining a queue
  needs no check: R12 lets a customer join only while the wallet covers the price.
- ``warn_customer_heads(customer, now)``: when the customer's balance fell — after every
  debit, in its transaction (``billing.signals.wallet_debited``): a reservation, a renewal,
  a subscription. Only entries the new balance might not cover are looked at (a price is at
  most 1,000 toman a day, R6), so a customer with none costs one indexed query. Each
  entry's book is locked with ``skip_locked``: the customer's row is locked already, and
  waiting for a book after a customer would break the lock order; a book another request
  holds is skipped, as that request is changing its queue.

The price is ``pricing.quote`` at now (R6, R7), as the promotion would charge it now.

Implements R32.
"""

from datetime import datetime

from django.utils.translation import gettext as _

from accounts.languages import speaking_to
from accounts.models import Customer, Notification
from accounts.services import notify
from catalog.models import Book, lock_book
from core.formatting import toman

from .models import Reservation
from .pricing import PRICE_PER_DAY, base_price, quote
from .queue_head import QUEUE_HEADS, first_in_queue


def _warn(entry: Reservation, book: Book, customer: Customer, now: datetime) -> bool:
    """Tell the customer of `entry`, first in `book`'s queue, if the wallet is short of its price now; once."""
    if entry.wallet_warned_at is not None or customer.balance >= base_price(entry.days):
        return False  # told already, or covered whatever the discount
    price = quote(customer, entry.days, now).price
    if customer.balance >= price:
        return False
    if not Reservation.objects.filter(pk=entry.pk, wallet_warned_at__isnull=True).update(wallet_warned_at=now):
        return False
    entry.wallet_warned_at = now
    with speaking_to(customer.user):
        message = _(
            "You are first in line for “%(title)s”, and your wallet does not cover the current price: "
            "keep at least %(price)s in it or you will be skipped. It holds %(balance)s now."
        ) % {"title": book.title, "price": toman(price), "balance": toman(customer.balance)}
    notify(user=customer.user, kind=Notification.Kind.WALLET_SHORT, message=message)
    return True


def warn_queue_head(book: Book, now: datetime) -> bool:
    """Warn the first waiting customer of the locked `book` whose wallet is short of the price (R32); True if told.

    Implements R32.
    """
    if book.free_units > 0:
        return False  # the queue was served until it ran out: nobody waits (or all are paused)
    entry = first_in_queue(book, now)
    return entry is not None and _warn(entry, book, entry.customer, now)


def warn_customer_heads(customer: Customer, now: datetime) -> int:
    """Warn the locked `customer`, whose balance just fell, of each queue they head and can no longer pay (R32).

    Implements R32.
    """
    entries = list(
        Reservation.objects.filter(customer=customer, wallet_warned_at__isnull=True)
        .waiting(now)
        .filter(days__gt=customer.balance // PRICE_PER_DAY)  # days × 1,000 > balance: maybe short
        .order_by("requested_at", "id")
    )
    told = 0
    for entry in entries:
        book = lock_book(entry.book_id, skip_locked=True)
        if book is None:
            continue
        premium, first = QUEUE_HEADS.first(book=book.pk, now=now)
        if (premium or first) == entry.pk:
            told += _warn(entry, book, customer, now)
    return told


def on_wallet_debited(sender, *, customer: Customer, now: datetime, **kwargs) -> None:
    """``billing.signals.wallet_debited`` receiver (connected in ReservationsConfig.ready)."""
    warn_customer_heads(customer, now)
