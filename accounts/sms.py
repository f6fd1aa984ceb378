"""SMS backends, chosen by the SMS_BACKEND setting (R21)."""

import sys
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend:
    """Send one text message to a phone number in E.164 form."""

    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Write one line per message to standard output: the default, for development. Implements R21."""

    def send(self, *, phone: str, message: str) -> None:
        one_line = " ".join(message.split())
        sys.stdout.write(f"SMS to {phone}: {one_line}\n")
        sys.stdout.flush()


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


def send_sms(*, phone: str, message: str) -> None:
    """Send through the backend named in settings.SMS_BACKEND."""
    _backend_class(settings.SMS_BACKEND)().send(phone=phone, message=message)
