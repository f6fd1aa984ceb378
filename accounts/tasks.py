"""Celery tasks for accounts: sending stored notifications by SMS and e-mail, deleting spent logins (SPEC section 6).

A notification is stored in the transaction of the event it reports (``services.notify``)
and sent here, after that transaction commits, by each channel its user chose (R39,
``accounts.channels``: SMS first, then e-mail). Sending is claimed by setting ``sent_at``
with a conditional UPDATE before anything leaves, so two copies of the task running at
once (a redelivery, the sweep below) send it once by each channel; no row lock is held
while a backend is called.

When a channel fails, at most once per channel stays true:
- every chosen channel failed: nothing was sent, so the claim is released and the task
  retries (all of them again);
- one channel took it and another failed: the claim stays, so the one that took it is
  never sent again, and the failure is logged; the failed channel is not retried, as
  that would need a record per channel. The notification stays listed on the user's
  notifications page either way.
A worker killed between the claim and the send loses that one message; the notification
itself stays stored and listed on the customer's pages.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import channels, services
from .models import Notification

logger = logging.getLogger(__name__)

# The sweep leaves fresh notifications to their own task and old ones unsent: a message
# about a loan that changed days ago would mislead more than it helps.
PENDING_AFTER = timedelta(minutes=2)
PENDING_UNTIL = timedelta(days=1)


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def send_notification(self, notification_id: int) -> bool:
    """Send one stored notification by its user's channels unless it was sent already; True if this call sent it.

    Implements R39 (the channels) with the claim on ``sent_at`` (the module's docstring).
    """
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(sent_at=now)
    if not claimed:  # sent already, being sent, or deleted with its user
        return False
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return False
    sent, failed = channels.deliver(notification)
    if failed and not sent:
        Notification.objects.filter(pk=notification_id, sent_at=now).update(sent_at=None)
        error = failed[0][1]
        raise self.retry(exc=error) from error
    for channel, error in failed:
        logger.error("Notification %s went by %s but not by %s: %r", notification_id, ", ".join(sent), channel, error)
    return True


@shared_task
def send_pending_notifications() -> int:
    """Queue a send for recent notifications whose own task never ran (the broker was down)."""
    now = timezone.now()
    pending = Notification.objects.filter(
        sent_at__isnull=True, created_at__lte=now - PENDING_AFTER, created_at__gt=now - PENDING_UNTIL
    ).values_list("pk", flat=True)
    count = 0
    for notification_id in pending.iterator():
        send_notification.delay(notification_id)
        count += 1
    return count


@shared_task
def delete_spent_logins() -> int:
    """Delete refresh families whose every token has expired (R22; services.delete_spent_logins)."""
    return services.delete_spent_logins()
