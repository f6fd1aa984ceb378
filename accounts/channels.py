"""The channels notifications go by: the user's choice and the sending by each of them (R39).

Implements R39. A user chooses a non-empty list from ``["sms", "email"]`` (stored as
``User.notify_by_sms`` and ``User.notify_by_email``, which a check constraint keeps from
both being off; ``User.notify_by`` lists them). ``deliver`` sends one stored notification
by every channel its user chose at the time of sending, SMS first, and tells which
channels took it and which failed; ``accounts.tasks.send_notification`` decides what a
failure means (its docstring).
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .emails import send_notification_email
from .models import Notification, User
from .sms import send_sms


class Channel(models.TextChoices):
    """A way a notification reaches its user, in the order they are tried."""

    SMS = "sms", gettext_lazy("SMS")
    EMAIL = "email", gettext_lazy("E-mail")


FLAGS = {Channel.SMS: "notify_by_sms", Channel.EMAIL: "notify_by_email"}


def clean_channels(channels: Iterable[str]) -> list[str]:
    """The channels as stored order lists them; a ValidationError for none, an unknown one or a repeat."""
    channels = list(channels)
    if not channels:
        raise ValidationError(_("Choose at least one way to be notified."), code="empty")
    if unknown := [channel for channel in channels if channel not in Channel.values]:
        raise ValidationError(
            _("Unknown channel: %(channels)s. Choose from %(choices)s.")
            % {"channels": ", ".join(map(str, unknown)), "choices": ", ".join(Channel.values)},
            code="invalid_choice",
        )
    if len(set(channels)) != len(channels):
        raise ValidationError(_("Name each channel once."), code="duplicate")
    return [channel for channel in Channel.values if channel in channels]


def set_notify_by(*, user: User, channels: Iterable[str]) -> User:
    """Set the channels `user` is notified by; only the two flags are written (R27). Implements R39.

    A ValidationError on ``notify_by`` for an empty list, an unknown channel or a repeat,
    with nothing changed.
    """
    try:
        chosen = clean_channels(channels)
    except ValidationError as error:
        raise ValidationError({"notify_by": error.error_list}) from None
    changed = []
    for channel, flag in FLAGS.items():
        if getattr(user, flag) != (channel in chosen):
            setattr(user, flag, channel in chosen)
            changed.append(flag)
    if changed:
        user.save(update_fields=changed)
    return user


def _by_sms(notification: Notification) -> None:
    send_sms(phone=notification.user.phone, message=notification.message)


SENDERS: dict[str, Callable[[Notification], None]] = {
    Channel.SMS: _by_sms,
    Channel.EMAIL: send_notification_email,
}


def deliver(notification: Notification) -> tuple[list[str], list[tuple[str, Exception]]]:
    """Send `notification` by each channel its user chose. Implements R39.

    Returns the channels that took it and the (channel, error) pairs that failed.
    """
    sent, failed = [], []
    for channel in notification.user.notify_by:
        try:
            SENDERS[channel](notification)
        except Exception as error:  # a provider's own error: the caller decides about the retry
            failed.append((channel, error))
        else:
            sent.append(channel)
    return sent, failed
