"""Users, their customer and author profiles, cities and stored notifications."""

import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.models import SideChannelDevice
from django_otp.util import random_number_token
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.owned_fields import ServiceOwnedFields

from ..validators import validate_one_script

phone_validator = RegexValidator(
    regex=r"^\+[1-9]\d{7,14}$",
    message="Enter the phone number in E.164 form, such as +989121234567.",
    code="invalid_phone",
)


def masked_phone(phone: str) -> str:
    """``+989121234567`` as ``+98…67``: enough to recognise, too little to reuse."""
    return f"{phone[:3]}…{phone[-2:]}" if len(phone) > 5 else "…"


def masked_email(email: str) -> str:
    """``sara@example.com`` as ``s…@example.com``."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}"


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AUTHOR = "author", "Author"
    ADMIN = "admin", "Admin"


class Tier(models.TextChoices):
    FREE = "free", "Free"
    PLUS = "plus", "Plus"
    PREMIUM = "premium", "Premium"


@dataclass(frozen=True)
class TierRule:
    """What a paid tier allows (R2, R3) and what a month of it costs (R18)."""

    max_days: int
    max_active: int
    monthly_price: int
    queue_priority: bool


TIER_RULES: dict[str, TierRule] = {
    Tier.PLUS: TierRule(max_days=7, max_active=5, monthly_price=50_000, queue_priority=False),
    Tier.PREMIUM: TierRule(max_days=14, max_active=10, monthly_price=200_000, queue_priority=True),
}
MAX_RESERVATION_DAYS = max(rule.max_days for rule in TIER_RULES.values())
QUEUE_PRIORITY_TIERS = tuple(tier for tier, rule in TIER_RULES.items() if rule.queue_priority)


class UserManager(DjangoUserManager):
    """Users found by name in any case; superusers are admins (`createsuperuser --noinput`)."""

    @classmethod
    def normalize_email(cls, email):
        """NFKC, then Django's lower-case domain; the part before the @ stays as typed (issue 14)."""
        if isinstance(email, str):
            email = unicodedata.normalize("NFKC", email)
        return super().normalize_email(email)

    def in_any_case(self, field: str, value: str) -> QuerySet:
        """Users whose `field` equals `value` ignoring case, as the database's unique indexes compare."""
        return self.alias(folded=Lower(field)).filter(folded=Lower(Value(value)))

    def get_by_natural_key(self, username):
        """Log in with the name in any case and in any Unicode form: ``Demo_Plus``, ``ｄｅｍｏ_plus``."""
        return self.in_any_case("username", self.model.normalize_username(username)).get()

    def _create_user(self, username, email, password, **extra_fields):
        # create_user and createsuperuser pass the model's checks too: one script, and a
        # name or e-mail taken in another case is a ValidationError (a CommandError), not an
        # IntegrityError.
        user = self._create_user_object(username, email, password, **extra_fields)
        user.full_clean()
        user.save(using=self._db)
        return user

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(ServiceOwnedFields, AbstractUser):
    """A person who logs in: a customer, an author or an admin.

    The password, the revocation stamp and the active flag are written only by the
    accounts services (R24, R27): a profile edit or an admin's change form saved from a
    stale read cannot bring back a revoked token, a closed account or an old password.
    """

    service_owned_fields = frozenset({"password", "tokens_revoked_at", "is_active"})

    # Unique in any case (issue 14): `unique=True` stays, as Django's auth checks want it on
    # USERNAME_FIELD, and the Meta constraints on Lower() make the database refuse
    # ``DEMO_PLUS`` beside ``demo_plus`` and ``ROOT@example.com`` beside ``root@example.com``.
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="150 characters or fewer, in one script: letters, digits and @ . + - _ only.",
        validators=[UnicodeUsernameValidator(), validate_one_script],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField("email address", unique=True)
    phone = models.CharField(max_length=16, unique=True, validators=[phone_validator])
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    # R24: every token issued at or before this instant is refused.
    tokens_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    REQUIRED_FIELDS = ["email", "phone"]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(condition=Q(phone__regex=r"^\+[1-9][0-9]{7,14}$"), name="user_phone_e164"),
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message="User with this Email address already exists.",
            ),
        ]

    # The fields whose uniqueness in any case validate_constraints reports on the field.
    UNIQUE_IN_ANY_CASE = ("username", "email")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def clean_fields(self, exclude=None) -> None:
        """Normalise the username and e-mail (NFKC) first, so the checks judge what is stored."""
        self.username = self.normalize_username(self.username)
        self.email = type(self).objects.normalize_email(self.email)
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None) -> None:
        """A name or e-mail taken in another case is an error on its field, as an exact one is."""
        exclude = set(exclude or ())
        errors = {}
        for field in self.UNIQUE_IN_ANY_CASE:
            value = getattr(self, field)
            if field in exclude or not value:
                continue
            taken = type(self).objects.in_any_case(field, value)
            if not self._state.adding:
                taken = taken.exclude(pk=self.pk)
            if taken.exists():
                errors[field] = [self.unique_error_message(type(self), (field,))]
        try:
            super().validate_constraints(exclude=exclude | set(self.UNIQUE_IN_ANY_CASE))  # checked above
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean_contact(self, field: str, value: str) -> str:
        """Check `value` as this user's new phone or e-mail, unsaved; return it normalised.

        Checked as a save would: format, and unique (an e-mail in any case). The instance
        keeps its current value.
        """
        current = getattr(self, field)
        setattr(self, field, value)
        try:
            self.full_clean(exclude=[other.name for other in self._meta.fields if other.name != field])
            value = getattr(self, field)
        finally:
            setattr(self, field, current)
        if value.lower() == (current or "").lower():
            label = "phone number" if field == "phone" else "e-mail address"
            raise ValidationError({field: [f"This is already your {label}."]}, code="unchanged")
        return value

    def has_perm(self, perm, obj=None) -> bool:
        """An active admin may do everything in the admin site, superuser flag or not."""
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    def get_session_auth_hash(self) -> str:
        """Tie sessions to the revocation cut-off too, so revoking ends them (R24)."""
        cutoff = self.tokens_revoked_at.isoformat() if self.tokens_revoked_at else ""
        return salted_hmac(
            "accounts.User.get_session_auth_hash", f"{self.password}|{cutoff}", algorithm="sha256"
        ).hexdigest()

    def set_password(self, raw_password) -> None:
        """Hash and set the password; the next save writes it (Django's password forms too)."""
        super().set_password(raw_password)
        self.mark_owned_changed("password")

    def save(self, *args, **kwargs):
        # An admin is staff by definition: the admin site is the admin's tool.
        if self.role == Role.ADMIN:
            self.is_staff = True
        # Django keeps the raw password of a set_password() until the save: a new password
        # of an existing user, whoever set it (the API, the admin site, `changepassword`),
        # ends every token and session issued before it (R24). A hash upgrade at login
        # saves the same password with _password cleared, and revokes nothing.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            self.cut_off_tokens(timezone.now())

    @transaction.atomic
    def cut_off_tokens(self, now: datetime) -> None:
        """Refuse every token issued to this user up to `now`, and end their sessions (R24)."""
        self.tokens_revoked_at = now
        self.save(update_fields=["tokens_revoked_at"])
        outstanding = OutstandingToken.objects.filter(user=self, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding])


class City(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"

    def __str__(self) -> str:
        return self.name


class Customer(ServiceOwnedFields):
    """A customer's subscription and wallet; the ledger lives in billing (R19).

    The balance and the subscription are billing's: only its services write them, under
    a lock on this row (R19, R27); any other save leaves them as they are in the database.
    """

    service_owned_fields = frozenset({"balance", "tier", "subscription_ends_at"})

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="customer")
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.FREE)
    subscription_ends_at = models.DateTimeField(null=True, blank=True)
    auto_renew = models.BooleanField(default=False)
    balance = models.BigIntegerField(default=0, help_text="Toman; always the sum of the ledger.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="customer_balance_not_negative"),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="customer_tier_valid"),
            models.CheckConstraint(
                condition=Q(tier=Tier.FREE) | Q(subscription_ends_at__isnull=False),
                name="customer_paid_tier_has_end",
            ),
        ]
        indexes = [models.Index(fields=["tier", "subscription_ends_at"], name="customer_tier_end_idx")]

    def __str__(self) -> str:
        return self.user.username

    def tier_at(self, now: datetime | None = None) -> str:
        """Return the tier in force at `now`: a paid tier only until it ends (R5)."""
        now = now or timezone.now()
        if self.tier != Tier.FREE and self.subscription_ends_at and self.subscription_ends_at > now:
            return self.tier
        return Tier.FREE

    def rule_at(self, now: datetime | None = None) -> TierRule | None:
        """Return the rules of the paid tier in force, or None for Free (R1)."""
        return TIER_RULES.get(self.tier_at(now))

    def has_queue_priority(self, now: datetime) -> bool:
        """Whether the tier in force at `now` puts this customer ahead in queues (R12, `TierRule.queue_priority`)."""
        rule = self.rule_at(now)
        return rule is not None and rule.queue_priority

    @staticmethod
    def queue_priority_q(now: datetime, prefix: str = "") -> Q:
        """``has_queue_priority(now)`` as a condition on customers reached through `prefix` (``"customer__"``)."""
        return Q(**{f"{prefix}tier__in": QUEUE_PRIORITY_TIERS, f"{prefix}subscription_ends_at__gt": now})

    def clean(self) -> None:
        if self.tier != Tier.FREE and self.subscription_ends_at is None:
            raise ValidationError({"subscription_ends_at": "A paid tier needs an end date."})
        if self.balance < 0:
            raise ValidationError({"balance": "The wallet cannot be negative."})


class Author(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="author")
    city = models.ForeignKey(City, on_delete=models.SET_NULL, null=True, blank=True, related_name="authors")
    goodreads_link = models.URLField(blank=True)
    bank_account_number = models.CharField(
        max_length=34,
        blank=True,
        validators=[RegexValidator(r"^[A-Z0-9]{8,34}$", "Use 8 to 34 capital letters and digits, such as an IBAN.")],
    )
    bio = models.TextField(blank=True)

    def __str__(self) -> str:
        full_name = self.user.get_full_name()
        return full_name or self.user.username

    @property
    def display_name(self) -> str:
        return str(self)


class Notification(models.Model):
    """A message to a user, stored so pages can list it; sending comes after commit."""

    class Kind(models.TextChoices):
        PROMOTED = "promoted", "Promoted from the queue"
        DROPPED = "dropped", "Dropped from the queue"
        ENDING_SOON = "ending_soon", "Reservation ending soon"
        SUBSCRIPTION_RENEWED = "subscription_renewed", "Subscription renewed"
        SUBSCRIPTION_ENDED = "subscription_ended", "Subscription ended"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the SMS backend accepted it.")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"


class SmsDevice(SideChannelDevice):
    """A user's one-time code sent by SMS: 6 digits, 2 minutes, once, 5 wrong tries (R21).

    One device per user; each login replaces the code and the challenge, so an older
    challenge stops working the moment a new code is sent.
    """

    CODE_LENGTH = 6
    LIFETIME = timedelta(minutes=2)
    MAX_FAILURES = 5

    challenge = models.CharField(max_length=64, unique=True, null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
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
        LOGOUT = "logout", "Logged out"
        REUSED = "reused", "A rotated refresh token was presented again"

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_families")
    current_jti = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name_plural = "refresh families"
        indexes = [models.Index(fields=["user", "-created_at"], name="refresh_family_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="") | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="refresh_family_end_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Refresh family {self.id} of {self.user_id}"


class ContactChange(models.Model):
    """A new phone or e-mail waiting for its code (issue 14, item 4).

    Made once the current password was given; applied only when the 6-digit code sent for
    it comes back: within 5 minutes, once, and at most 5 wrong tries, as login codes
    (R21). Only the code's HMAC is stored. A new change of the same user replaces a
    pending one; applied ones stay as the record of who changed what and when.
    """

    class Field(models.TextChoices):
        PHONE = "phone", "Phone number"
        EMAIL = "email", "E-mail address"

    CODE_LENGTH = 6
    LIFETIME = timedelta(minutes=5)
    MAX_FAILURES = 5

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contact_changes")
    field = models.CharField(max_length=8, choices=Field.choices)
    new_value = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="contact_change_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(field__in=["phone", "email"]), name="contact_change_field_valid"),
            models.CheckConstraint(condition=Q(failures__lte=5), name="contact_change_failures_at_most_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} change of {self.user_id}"

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
