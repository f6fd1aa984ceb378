"""R39: send_notification sends by the channels the user chose, at most once per channel (in this process).

The e-mail backend is Django's in-memory one (``mailoutbox``), the SMS backend the console's
(printed lines); failing providers are backends that refuse every message.
"""

import pytest
from celery.exceptions import Retry
from django.core.mail.backends.base import BaseEmailBackend

from accounts.models import Notification, Tier, User
from accounts.sms import SmsBackend
from accounts.tasks import send_notification
from bookstore.tests.celery_worker import sms_lines

pytestmark = pytest.mark.django_db


class ProviderDown(Exception):
    pass


class FailingSmsBackend(SmsBackend):
    def send(self, *, phone: str, message: str) -> None:
        raise ProviderDown(phone)


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ProviderDown("smtp")


def user_notified_by(make_customer, *channels: str, **fields) -> User:
    user = make_customer(Tier.PLUS).user
    User.objects.filter(pk=user.pk).update(
        notify_by_sms="sms" in channels, notify_by_email="email" in channels, **fields
    )
    user.refresh_from_db()
    return user


def stored(user: User, message: str = "Book 1 is yours until 3 December.") -> Notification:
    return Notification.objects.create(user=user, kind=Notification.Kind.PROMOTED, message=message)


def test_sms_only_sends_the_sms_and_no_email_R39(make_customer, capsys, mailoutbox):
    user = user_notified_by(make_customer, "sms")
    assert send_notification.apply(args=[stored(user).pk]).get() is True
    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: Book 1 is yours until 3 December."]
    assert mailoutbox == []


def test_email_only_sends_one_email_and_no_sms_R39(make_customer, capsys, mailoutbox):
    user = user_notified_by(make_customer, "email", first_name="Sara")
    notification = stored(user)
    assert send_notification.apply(args=[notification.pk]).get() is True
    assert sms_lines(capsys.readouterr().out, user.phone) == []
    (email,) = mailoutbox
    assert email.to == [user.email]
    assert email.subject == "A book you waited for is yours"
    assert "Hello Sara," in email.body and "Book 1 is yours until 3 December." in email.body
    (html, mimetype), *_ = email.alternatives
    assert mimetype == "text/html" and "Book 1 is yours until 3 December." in html
    assert email.from_email == "Bookstore <no-reply@bookstore.localhost>"
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_both_channels_send_one_sms_and_one_email_R39(make_customer, capsys, mailoutbox):
    user = user_notified_by(make_customer, "sms", "email")
    assert send_notification.apply(args=[stored(user).pk]).get() is True
    assert len(sms_lines(capsys.readouterr().out, user.phone)) == 1
    assert len(mailoutbox) == 1


def test_a_second_run_sends_by_no_channel_again_R39(make_customer, capsys, mailoutbox):
    user = user_notified_by(make_customer, "sms", "email")
    notification = stored(user)
    assert send_notification.apply(args=[notification.pk]).get() is True
    assert send_notification.apply(args=[notification.pk]).get() is False
    assert len(sms_lines(capsys.readouterr().out, user.phone)) == 1
    assert len(mailoutbox) == 1


def test_the_channels_are_read_when_sending_R39(make_customer, mailoutbox):
    """A notification stored while the user chose SMS goes by e-mail if they switched before it left."""
    user = user_notified_by(make_customer, "sms")
    notification = stored(user)
    User.objects.filter(pk=user.pk).update(notify_by_sms=False, notify_by_email=True)
    send_notification.apply(args=[notification.pk]).get()
    assert len(mailoutbox) == 1


def test_email_in_the_users_language_R39_R40(make_customer, mailoutbox):
    user = user_notified_by(make_customer, "email", language="fa", first_name="سارا")
    send_notification.apply(args=[stored(user, "کتاب ۱ تا ۳ دی مال شماست.").pk]).get()
    (email,) = mailoutbox
    assert email.subject == "کتابی که منتظرش بودید مال شماست"
    assert "سلام سارا،" in email.body and "کتاب ۱ تا ۳ دی مال شماست." in email.body
    assert '<html dir="rtl" lang="fa">' in email.alternatives[0][0]


def test_the_only_channel_failing_releases_the_claim_for_a_retry_R39(make_customer, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    notification = stored(user_notified_by(make_customer, "email"))
    with pytest.raises(Retry):
        send_notification.apply(args=[notification.pk], throw=True)
    notification.refresh_from_db()
    assert notification.sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the provider is back
    assert send_notification.apply(args=[notification.pk]).get() is True
    assert len(mailoutbox) == 1


def test_both_channels_failing_releases_the_claim_R39(make_customer, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    settings.SMS_BACKEND = f"{__name__}.FailingSmsBackend"
    notification = stored(user_notified_by(make_customer, "sms", "email"))
    with pytest.raises(Retry):
        send_notification.apply(args=[notification.pk], throw=True)
    notification.refresh_from_db()
    assert notification.sent_at is None


def test_email_failing_after_the_sms_went_keeps_the_claim_so_the_sms_is_not_resent_R39(
    make_customer, settings, capsys, caplog
):
    """One channel took it: the claim stays (no retry, no second SMS); the e-mail's failure is logged."""
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    user = user_notified_by(make_customer, "sms", "email")
    notification = stored(user)
    assert send_notification.apply(args=[notification.pk], throw=True).get() is True
    assert send_notification.apply(args=[notification.pk], throw=True).get() is False
    assert len(sms_lines(capsys.readouterr().out, user.phone)) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert f"Notification {notification.pk} went by sms but not by email" in caplog.text


def test_sms_failing_after_choosing_both_still_sends_the_email_once_R39(make_customer, settings, mailoutbox, caplog):
    settings.SMS_BACKEND = f"{__name__}.FailingSmsBackend"
    notification = stored(user_notified_by(make_customer, "sms", "email"))
    assert send_notification.apply(args=[notification.pk], throw=True).get() is True
    assert send_notification.apply(args=[notification.pk], throw=True).get() is False
    assert len(mailoutbox) == 1
    assert f"Notification {notification.pk} went by email but not by sms" in caplog.text
