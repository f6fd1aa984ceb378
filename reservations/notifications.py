"""The "your loan ends within 24 hours" notice (SPEC section 6): once per reservation."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.languages import speaking_to
from accounts.models import Notification
from accounts.services import notify
from core.formatting import local_time

from .models import Reservation

ENDING_SOON = timedelta(hours=24)


def notify_ending_soon(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Notify each holder of a loan ending within 24 hours, once; return how many were notified.

    A batch locks its reservations with ``skip_locked``, so two runs at once split the work
    instead of waiting or sending twice, and marks ``ending_notified_at`` in the same
    transaction that stores the notifications; the SMS leaves after the commit. A loan
    already past its end is left to the expiry (R16). A loan of one day is within 24 hours
    of its end from the start, so its holder is told at once.
    """
    now = now or timezone.now()
    notified = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reservation.objects.active_at(now)
                .filter(ends_at__lte=now + ENDING_SOON, ending_notified_at__isnull=True)
                .select_related("customer__user", "book")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("ends_at", "id")[:batch_size]
            )
            for reservation in batch:
                user = reservation.customer.user
                with speaking_to(user):
                    message = _("“%(title)s” is due back at %(ends)s.") % {
                        "title": reservation.book.title,
                        "ends": local_time(reservation.ends_at),
                    }
                notify(user=user, kind=Notification.Kind.ENDING_SOON, message=message)
            Reservation.objects.filter(pk__in=[reservation.pk for reservation in batch]).update(ending_notified_at=now)
        notified += len(batch)
        if len(batch) < batch_size:
            return notified
