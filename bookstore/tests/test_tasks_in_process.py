"""Background work (SPEC section 6) in this process: notifications after commit, the sweeps, the schedule.

A real worker process runs the same tasks in test_worker.py.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, Tier
from accounts.services import notify
from accounts.sms import SmsBackend
from accounts.tasks import send_notification, send_pending_notifications
from billing import tasks as billing_tasks
from bookstore.celery import app as celery_app
from bookstore.tests.celery_worker import HOUR, sms_lines

pytestmark = pytest.mark.django_db


class SmsBackendDown(Exception):
    pass


class FailingSmsBackend(SmsBackend):
    """An SMS provider that refuses every message."""

    def send(self, *, phone: str, message: str) -> None:
        raise SmsBackendDown(phone)


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Run .delay() in this process: only for checking what an on_commit callback sends."""
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


# Tasks in this process ------------------------------------------------------------------


def test_notify_sends_nothing_until_the_transaction_commits(make_customer, capsys, django_capture_on_commit_callbacks):
    """notify() stores at once and hands the SMS to the worker only in an on_commit callback."""
    user = make_customer(Tier.PLUS).user
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        notification = notify(user=user, kind=Notification.Kind.PROMOTED, message="Book 1 is yours.")
    assert len(callbacks) == 1
    assert sms_lines(capsys.readouterr().out, user.phone) == []
    notification.refresh_from_db()
    assert notification.sent_at is None

    with eager_tasks():
        callbacks[0]()  # what the commit runs

    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: Book 1 is yours."]
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_notify_in_a_rolled_back_transaction_sends_nothing(make_customer, django_capture_on_commit_callbacks):
    user = make_customer(Tier.PLUS).user
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        notify(user=user, kind=Notification.Kind.DROPPED, message="Dropped.")
        raise RuntimeError("the use case failed")
    assert callbacks == []
    assert not Notification.objects.filter(user=user).exists()


def test_send_notification_sends_once_however_often_it_runs(make_customer, capsys):
    user = make_customer(Tier.PLUS).user
    notification = Notification.objects.create(user=user, kind=Notification.Kind.PROMOTED, message="Yours.")

    assert send_notification.apply(args=[notification.pk]).get() is True
    assert send_notification.apply(args=[notification.pk]).get() is False

    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: Yours."]
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_send_notification_for_a_deleted_notification_does_nothing(capsys):
    assert send_notification.apply(args=[987654321]).get() is False
    assert "SMS to" not in capsys.readouterr().out


def test_failed_sms_leaves_the_notification_unsent_for_a_retry(make_customer, settings):
    settings.SMS_BACKEND = f"{__name__}.FailingSmsBackend"
    notification = Notification.objects.create(
        user=make_customer(Tier.PLUS).user, kind=Notification.Kind.PROMOTED, message="Yours."
    )

    with pytest.raises(Retry):
        send_notification.apply(args=[notification.pk], throw=True)

    notification.refresh_from_db()
    assert notification.sent_at is None


def test_pending_sweep_sends_only_recent_notifications_that_were_never_sent(make_customer, capsys):
    """A notification whose own task never ran (broker down) is sent by the sweep; stale ones are not."""
    user = make_customer(Tier.PLUS).user
    now = timezone.now()

    def stored(message: str, age: timedelta, sent: bool = False) -> Notification:
        return Notification.objects.create(
            user=user,
            kind=Notification.Kind.PROMOTED,
            message=message,
            created_at=now - age,
            sent_at=now - age if sent else None,
        )

    stored("fresh", timedelta(seconds=10))
    stored("pending", timedelta(minutes=10))
    stored("stale", timedelta(days=2))
    stored("sent", timedelta(minutes=10), sent=True)

    with eager_tasks():
        assert send_pending_notifications.apply().get() == 1

    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: pending"]


def test_subscription_task_ends_or_renews_lapsed_subscriptions_R5_R20(make_customer, assert_wallet_consistent):
    renewing = make_customer(Tier.PLUS, balance=60_000, ends_in=-HOUR, auto_renew=True)
    lapsing = make_customer(Tier.PREMIUM, balance=0, ends_in=-HOUR)

    assert billing_tasks.end_or_renew_subscriptions() == {"renewed": 1, "ended": 1}
    assert billing_tasks.end_or_renew_subscriptions() == {"renewed": 0, "ended": 0}

    renewing.refresh_from_db()
    lapsing.refresh_from_db()
    assert renewing.tier == Tier.PLUS and renewing.subscription_ends_at > timezone.now()
    assert lapsing.tier == Tier.FREE
    assert_wallet_consistent(renewing)


def test_beat_runs_every_periodic_task_each_minute_R16_R20():
    schedule = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}
    for task in (
        "reservations.tasks.expire_due_reservations",
        "billing.tasks.end_or_renew_subscriptions",
        "reservations.tasks.notify_reservations_ending_soon",
        "reservations.tasks.resume_due_pauses",  # R30, R32
    ):
        assert schedule[task] <= 60, task
    assert set(schedule) <= set(celery_app.tasks)


def test_tasks_are_acknowledged_late_and_requeued_when_their_worker_dies():
    for name in ("reservations.tasks.expire_due_reservations", "accounts.tasks.send_notification"):
        task = celery_app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
    assert celery_app.conf.worker_prefetch_multiplier == 1
