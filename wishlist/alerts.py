"""The wishlist's two alerts: a wished book free to borrow, or back in stock (R38).

Lending and the catalog say what happened through their signals (connected in
``WishlistConfig.ready``), inside the transaction that did it and with the book's row
locked, so two releases of one book are told one after the other, never twice:

- ``reservations.signals.unit_left_free``: a release served the queue and a unit is still
  free; ``catalog.signals.units_ran_out``: the last free unit went (a loan, or units
  lowered to those on loan).
- ``catalog.signals.stock_raised``: copies for sale came back (0 → more);
  ``catalog.signals.stock_ran_out``: the last copy went.

Each alert goes to the book's entries not told yet whose customer holds or waits for
none of it (no live reservation: active, queued or paused), one notification each in
their language, stored in one INSERT and sent after commit (``notify_many``). Then the
entries are marked told until the book runs out again, which clears the mark. When
nobody wished the book, each signal costs one indexed statement.
"""

from collections.abc import Callable
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import speaking_to
from accounts.models import Notification
from accounts.services import notify_many
from catalog.models import Book
from reservations.models import Reservation
from reservations.queue import commit_durably

from .models import WishedBook


def _untold(book: Book, field: str, now: datetime) -> QuerySet[WishedBook]:
    """The book's entries not told of `field` yet, whose customer holds or waits for none of it."""
    live = Reservation.objects.filter(book=book, customer=OuterRef("customer")).live_at(now)
    return (
        WishedBook.objects.filter(book=book, **{f"{field}__isnull": True})
        .exclude(Exists(live))
        .select_related("customer__user")
        .order_by("pk")
    )


def _alert(book: Book, *, field: str, kind: str, message: Callable[[Book], str], now: datetime) -> int:
    """Tell each untold wisher of `book` once, and mark them told (R38); how many were told."""
    entries = list(_untold(book, field, now))  # the one indexed lookup when nobody waits to hear
    if not entries:
        return 0
    commit_durably()  # customers are told: never an asynchronous commit (the expiry sweep's)
    texts: dict[str, str] = {}
    notifications = []
    for entry in entries:
        user = entry.customer.user
        with speaking_to(user) as language:
            if language not in texts:  # one rendering per language, not per wisher
                texts[language] = message(book)
        notifications.append(Notification(user=user, kind=kind, message=texts[language]))
    notify_many(notifications=notifications)
    WishedBook.objects.filter(pk__in=[entry.pk for entry in entries]).update(**{field: now})
    return len(entries)


def _free_message(book: Book) -> str:
    return _("“%(title)s” from your wishlist has a copy free to borrow now.") % {"title": book.title}


def _stock_message(book: Book) -> str:
    return _("“%(title)s” from your wishlist is back in stock: you can buy it now.") % {"title": book.title}


def alert_free_unit(*, book: Book, now: datetime | None = None) -> int:
    """Tell the book's wishers that a copy is free to borrow, once until none is free (R38).

    Implements R38.
    """
    return _alert(
        book,
        field="free_alerted_at",
        kind=Notification.Kind.WISHED_FREE,
        message=_free_message,
        now=now or timezone.now(),
    )


def alert_back_in_stock(*, book: Book, now: datetime | None = None) -> int:
    """Tell the book's wishers that it can be bought again, once until it sells out (R38).

    Implements R38.
    """
    return _alert(
        book,
        field="stock_alerted_at",
        kind=Notification.Kind.WISHED_IN_STOCK,
        message=_stock_message,
        now=now or timezone.now(),
    )


def on_unit_left_free(sender, *, book: Book, now: datetime, **kwargs) -> None:
    alert_free_unit(book=book, now=now)


def on_units_ran_out(sender, *, book: Book, **kwargs) -> None:
    """No copy free to borrow: the next free one is told again (R38)."""
    WishedBook.objects.filter(book=book, free_alerted_at__isnull=False).update(free_alerted_at=None)


def on_stock_raised(sender, *, book: Book, before: int, **kwargs) -> None:
    if before == 0 and book.stock > 0 and not book.is_withdrawn:
        alert_back_in_stock(book=book)


def on_stock_ran_out(sender, *, book: Book, **kwargs) -> None:
    """Sold out: the next copies for sale are told again (R38)."""
    WishedBook.objects.filter(book=book, stock_alerted_at__isnull=False).update(stock_alerted_at=None)
