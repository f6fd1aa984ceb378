"""What guards a login and an account: SMS codes, refresh-token families, contact changes.

`SmsDevice` holds a user's login code (R21), `RefreshFamily` the refresh tokens of one
login (R22), `ContactChange` a new phone or e-mail waiting for its code (issue 14).
"""

import secrets
import uuid
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.models import SideChannelDevice
from django_otp.util import random_number_token

from .users import User


class SmsDevice(SideChannelDevice):
    """A user's one-time code sent by SMS: 6 digits, 2 minutes, once, 5 wrong tries (R21).

    One device per user; each login replaces the code and the challenge, so an older
    challenge stops working the moment a new code is sent.
    Implements R21.
    """

    CODE_LENGTH = 6
    LIFETIME = timedelta(minutes=2)
    MAX_FAILURES = 5

    challenge = models.CharField(gettext_lazy("challenge"), max_length=64, unique=True, null=True, blank=True)
    failures = models.PositiveSmallIntegerField(gettext_lazy("failures"), default=0)

    class Meta:
        verbose_name = gettext_lazy("sms device")
        verbose_name_plural = gettext_lazy("sms devices")
        constraints = [models.UniqueConstraint(fields=["user"], name="sms_device_one_per_user")]

    def issue(self, *, now: datetime) -> str:
        """Make a new code and challenge valid from `now`; return the code."""
        self.token = random_number_token(self.CODE_LENGTH)
        self.valid_until = now + self.LIFETIME
        self.challenge = secrets.token_urlsafe(32)
        self.failures = 0
        self.save()
        return self.token

    def is_usable(self, now: datetime) -> bool:
        return self.token is not None and now < self.valid_until and self.failures < self.MAX_FAILURES

    def check_code(self, code: str, *, now: datetime) -> bool:
        """Use the code once; a wrong one counts, and the fifth wrong one burns the code."""
        if not self.is_usable(now):
            return False
        if constant_time_compare(code, self.token):
            self._burn(now)
            return True
        self.failures += 1
        if self.failures >= self.MAX_FAILURES:
            self._burn(now)
        else:
            self.save(update_fields=["failures"])
        return False

    def _burn(self, now: datetime) -> None:
        self.token = None
        self.challenge = None
        self.valid_until = now
        self.save(update_fields=["token", "challenge", "valid_until", "failures"])

    def verify_token(self, token) -> bool:
        """django-otp's entry point, with the same single-use and lock-out rules."""
        return self.check_code(str(token), now=timezone.now())


class RefreshFamily(models.Model):
    """Every refresh token descended from one login, by rotation (R22; issue 14).

    Only one token of a family is ever live: ``current_jti``. A refresh swaps it for the
    new token's in one conditional UPDATE, so of any number of concurrent refreshes with
    the same token one wins. Presenting any other token of the family (one already
    rotated) is a replay: the family ends, and with it every refresh and access token
    that carries its id, the live one included.
    """

    class EndReason(models.TextChoices):
        LOGOUT = "logout", gettext_lazy("Logged out")
        REUSED = "reused", gettext_lazy("A rotated refresh token was presented again")

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="refresh_families", verbose_name=gettext_lazy("user")
    )
    current_jti = models.CharField(gettext_lazy("current jti"), max_length=255)
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    rotated_at = models.DateTimeField(gettext_lazy("rotated at"), null=True, blank=True)
    ended_at = models.DateTimeField(gettext_lazy("ended at"), null=True, blank=True)
    end_reason = models.CharField(gettext_lazy("end reason"), max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = gettext_lazy("refresh family")
        verbose_name_plural = gettext_lazy("refresh families")
        indexes = [models.Index(fields=["user", "-created_at"], name="refresh_family_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="") | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="refresh_family_end_has_reason",
            )
        ]

    def __str__(self) -> str:
        return _("Refresh family %(id)s of %(user)s") % {"id": self.id, "user": self.user_id}


class ContactChange(models.Model):
    """A new phone or e-mail waiting for its code (issue 14, item 4).

    Made once the current password was given; applied only when the 6-digit code sent for
    it comes back: within 5 minutes, once, and at most 5 wrong tries, as login codes
    (R21). Only the code's HMAC is stored. A new change of the same user replaces a
    pending one; applied ones stay as the record of who changed what and when.
    """

    class Field(models.TextChoices):
        PHONE = "phone", gettext_lazy("Phone number")
        EMAIL = "email", gettext_lazy("E-mail address")

    CODE_LENGTH = 6
    LIFETIME = timedelta(minutes=5)
    MAX_FAILURES = 5

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="contact_changes", verbose_name=gettext_lazy("user")
    )
    field = models.CharField(gettext_lazy("field"), max_length=8, choices=Field.choices)
    new_value = models.CharField(gettext_lazy("new value"), max_length=254)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    expires_at = models.DateTimeField(gettext_lazy("expires at"))
    failures = models.PositiveSmallIntegerField(gettext_lazy("failures"), default=0)
    confirmed_at = models.DateTimeField(gettext_lazy("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("contact change")
        verbose_name_plural = gettext_lazy("contact changes")
        indexes = [models.Index(fields=["user", "-created_at"], name="contact_change_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(field__in=["phone", "email"]), name="contact_change_field_valid"),
            models.CheckConstraint(condition=Q(failures__lte=5), name="contact_change_failures_at_most_5"),
        ]

    def __str__(self) -> str:
        return _("%(field)s change of %(user)s") % {"field": self.get_field_display(), "user": self.user_id}

    def _hash(self, code: str) -> str:
        return salted_hmac("accounts.ContactChange.code", f"{self.pk}|{code}", algorithm="sha256").hexdigest()

    def issue(self, *, now: datetime) -> str:
        """Make a new code valid from `now` and save; return the code."""
        code = random_number_token(self.CODE_LENGTH)
        self.code_hash = self._hash(code)
        self.created_at, self.expires_at, self.failures = now, now + self.LIFETIME, 0
        self.save()
        return code

    def is_pending(self, now: datetime) -> bool:
        return self.confirmed_at is None and now < self.expires_at and self.failures < self.MAX_FAILURES

    @property
    def attempts_left(self) -> int:
        return max(0, self.MAX_FAILURES - self.failures)

    def check_code(self, code: str, *, now: datetime) -> bool:
        """True if `code` is right while pending; a wrong one counts, and the fifth ends the change."""
        if not self.is_pending(now):
            return False
        if constant_time_compare(self._hash(code), self.code_hash):
            return True
        self.failures += 1
        self.save(update_fields=["failures"])
        return False

    def confirm(self, *, now: datetime) -> None:
        """Mark the change applied: its code works no more."""
        self.confirmed_at = now
        self.save(update_fields=["confirmed_at"])
