"""Customers and authors, the profiles of a user's role; cities; the tiers and their rules (R2, R3, R18)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.loading import LoadedQuickly
from core.owned_fields import ServiceOwnedFields

from .users import User


class Tier(models.TextChoices):
    FREE = "free", gettext_lazy("Free")
    PLUS = "plus", gettext_lazy("Plus")
    PREMIUM = "premium", gettext_lazy("Premium")


@dataclass(frozen=True)
class TierRule:
    """What a paid tier allows (R2, R3) and what a month of it costs (R18).

    Implements R2 and R3.
    """

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


class City(models.Model):
    name = models.CharField(gettext_lazy("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("city")
        verbose_name_plural = gettext_lazy("cities")

    def __str__(self) -> str:
        return self.name


class Customer(ServiceOwnedFields):
    """A customer's subscription and wallet; the ledger lives in billing (R19).

    The balance and the subscription are billing's: only its services write them, under
    a lock on this row (R19, R27); any other save leaves them as they are in the database.
    """

    service_owned_fields = frozenset({"balance", "tier", "subscription_ends_at"})

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="customer", verbose_name=gettext_lazy("user")
    )
    tier = models.CharField(gettext_lazy("tier"), max_length=16, choices=Tier.choices, default=Tier.FREE)
    subscription_ends_at = models.DateTimeField(gettext_lazy("subscription ends at"), null=True, blank=True)
    auto_renew = models.BooleanField(gettext_lazy("auto renew"), default=False)
    balance = models.BigIntegerField(
        gettext_lazy("balance"), default=0, help_text=gettext_lazy("Toman; always the sum of the ledger.")
    )

    class Meta:
        verbose_name = gettext_lazy("customer")
        verbose_name_plural = gettext_lazy("customers")
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
        """Return the tier in force at `now`: a paid tier only until it ends (R5).

        Implements R5.
        """
        now = now or timezone.now()
        if self.tier != Tier.FREE and self.subscription_ends_at and self.subscription_ends_at > now:
            return self.tier
        return Tier.FREE

    def rule_at(self, now: datetime | None = None) -> TierRule | None:
        """Return the rules of the paid tier in force, or None for Free (R1)."""
        return TIER_RULES.get(self.tier_at(now))

    def has_queue_priority(self, now: datetime) -> bool:
        """Whether the tier in force at `now` puts this customer ahead in queues (R12, `TierRule.queue_priority`).

        Implements R12.
        """
        rule = self.rule_at(now)
        return rule is not None and rule.queue_priority

    @staticmethod
    def queue_priority_q(now: datetime, prefix: str = "") -> Q:
        """``has_queue_priority(now)`` as a condition on customers reached through `prefix` (``"customer__"``)."""
        return Q(**{f"{prefix}tier__in": QUEUE_PRIORITY_TIERS, f"{prefix}subscription_ends_at__gt": now})

    def clean(self) -> None:
        if self.tier != Tier.FREE and self.subscription_ends_at is None:
            raise ValidationError({"subscription_ends_at": _("A paid tier needs an end date.")})
        if self.balance < 0:
            raise ValidationError({"balance": _("The wallet cannot be negative.")})


class Author(LoadedQuickly, models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="author", verbose_name=gettext_lazy("user")
    )
    city = models.ForeignKey(
        City,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authors",
        verbose_name=gettext_lazy("city"),
    )
    goodreads_link = models.URLField(gettext_lazy("goodreads link"), blank=True)
    bank_account_number = models.CharField(
        gettext_lazy("bank account number"),
        max_length=34,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{8,34}$", gettext_lazy("Use 8 to 34 capital letters and digits, such as an IBAN.")
            )
        ],
    )
    bio = models.TextField(gettext_lazy("bio"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("author")
        verbose_name_plural = gettext_lazy("authors")

    def __str__(self) -> str:
        return display_name(self.user.first_name, self.user.last_name, self.user.username)

    @property
    def display_name(self) -> str:
        return str(self)


def display_name(first_name: str, last_name: str, username: str) -> str:
    """How an author is shown: the user's full name (``get_full_name``), else the username."""
    return f"{first_name} {last_name}".strip() or username
