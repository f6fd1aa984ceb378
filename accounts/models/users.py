"""Users: the `User` model and its manager, roles, and the phone's E.164 form and masks."""

import unicodedata
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core.loading import LoadedQuickly
from core.owned_fields import ServiceOwnedFields

from ..validators import validate_one_script

phone_validator = RegexValidator(
    regex=r"^\+[1-9]\d{7,14}$",
    message=gettext_lazy("Enter the phone number in E.164 form, such as +989121234567."),
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
    CUSTOMER = "customer", gettext_lazy("Customer")
    AUTHOR = "author", gettext_lazy("Author")
    # A role, not the admin site: "Admin" alone is also the site's menu item.
    ADMIN = "admin", pgettext_lazy("role", "Admin")


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


class User(LoadedQuickly, ServiceOwnedFields, AbstractUser):
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
        gettext_lazy("username"),
        max_length=150,
        unique=True,
        help_text=gettext_lazy("150 characters or fewer, in one script: letters, digits and @ . + - _ only."),
        validators=[UnicodeUsernameValidator(), validate_one_script],
        error_messages={"unique": gettext_lazy("A user with that username already exists.")},
    )
    email = models.EmailField(gettext_lazy("email address"), unique=True)
    phone = models.CharField(gettext_lazy("phone"), max_length=16, unique=True, validators=[phone_validator])
    role = models.CharField(gettext_lazy("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    # R40: the language the user chose with the switcher or `PATCH me/`; "" follows the browser.
    # Its choices name each language in itself (settings.LANGUAGES), so they are not translated.
    language = models.CharField(
        gettext_lazy("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    # R39: the channels notifications go by, at least one (the constraint); `notify_by` lists them.
    notify_by_sms = models.BooleanField(gettext_lazy("notify by SMS"), default=True)
    notify_by_email = models.BooleanField(gettext_lazy("notify by e-mail"), default=False)
    # R24: every token issued at or before this instant is refused.
    tokens_revoked_at = models.DateTimeField(gettext_lazy("tokens revoked at"), null=True, blank=True, editable=False)

    objects = UserManager()

    REQUIRED_FIELDS = ["email", "phone"]

    class Meta:
        verbose_name = gettext_lazy("user")
        verbose_name_plural = gettext_lazy("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=Q(notify_by_sms=True) | Q(notify_by_email=True), name="user_notified_somehow"
            ),
            models.CheckConstraint(condition=Q(phone__regex=r"^\+[1-9][0-9]{7,14}$"), name="user_phone_e164"),
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message=gettext_lazy("A user with that username already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message=gettext_lazy("User with this Email address already exists."),
            ),
        ]

    # The fields whose uniqueness in any case validate_constraints reports on the field.
    UNIQUE_IN_ANY_CASE = ("username", "email")

    @property
    def notify_by(self) -> list[str]:
        """The channels notifications go by (R39): a non-empty list from ``["sms", "email"]``."""
        return [name for name, on in (("sms", self.notify_by_sms), ("email", self.notify_by_email)) if on]

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
            message = (
                _("This is already your phone number.")
                if field == "phone"
                else _("This is already your e-mail address.")
            )
            raise ValidationError({field: [message]}, code="unchanged")
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
        """Refuse every token issued to this user up to `now`, and end their sessions (R24).

        Implements R24.
        """
        self.tokens_revoked_at = now
        self.save(update_fields=["tokens_revoked_at"])
        outstanding = OutstandingToken.objects.filter(user=self, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding])
