"""Reservations: one row from the request to the end, queued or not (SPEC section 2)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import MAX_RESERVATION_DAYS, Customer

from .exceptions import InvalidTransition

DAY = timedelta(days=1)
MAX_RENEWALS = 2  # per loan (R29)


class Status(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    ACTIVE = "active", gettext_lazy("Active")
    RETURNED = "returned", gettext_lazy("Returned")
    EXPIRED = "expired", gettext_lazy("Expired")
    ENDED_BY_ADMIN = "ended_by_admin", gettext_lazy("Ended by admin")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    DROPPED = "dropped", gettext_lazy("Dropped")


LIVE_STATUSES = (Status.QUEUED, Status.ACTIVE)
ENDED_AFTER_ACTIVE = (Status.RETURNED, Status.EXPIRED, Status.ENDED_BY_ADMIN)
ENDED_FROM_QUEUE = (Status.CANCELLED, Status.DROPPED)


def queue_priority(customer: Customer, now: datetime) -> int:
    """The `priority` that ``with_queue_priority(now)`` gives the customer's entries (R12)."""
    return 0 if customer.has_queue_priority(now) else 1


# The pipeline of allowed moves (SPEC section 2); anything else is a bug or a race.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.QUEUED: (Status.ACTIVE, Status.CANCELLED, Status.DROPPED),
    Status.ACTIVE: ENDED_AFTER_ACTIVE,
}


class EndReason(models.TextChoices):
    RETURNED = "returned", gettext_lazy("Returned by the customer")
    EXPIRED = "expired", gettext_lazy("Reached its end")
    ENDED_BY_ADMIN = "ended_by_admin", gettext_lazy("Ended early by an admin")
    LEFT_QUEUE = "left_queue", gettext_lazy("Customer left the queue")
    REMOVED_BY_ADMIN = "removed_by_admin", gettext_lazy("Removed from the queue by an admin")
    # R13: why a promotion from the queue failed.
    NO_SUBSCRIPTION = "no_subscription", gettext_lazy("No Plus or Premium subscription at promotion")
    DAYS_EXCEED_TIER = "days_exceed_tier", gettext_lazy("Requested days exceed the tier's maximum at promotion")
    LIMIT_REACHED = "reservation_limit_reached", gettext_lazy("Active reservation limit reached at promotion")
    INSUFFICIENT_FUNDS = "insufficient_funds", gettext_lazy("Wallet could not pay at promotion")


class ReservationQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def queued(self):
        return self.filter(status=Status.QUEUED)

    def waiting(self, now: datetime):
        """Queued entries not paused at `now`: a pause whose moment has come counts as resumed (R30).

        What a release serves (R13) and what blocks a renewal (R29). Implements R30.
        """
        return self.filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now), status=Status.QUEUED)

    def paused(self, now: datetime):
        """Queued entries paused at `now` (R30)."""
        return self.filter(status=Status.QUEUED, paused_until__gt=now)

    def live_at(self, now: datetime):
        """Queued, or active and still running at `now`: an overdue loan holds nothing (R8, R16).

        Implements R8 and R16.
        """
        return self.filter(Q(status=Status.QUEUED) | Q(status=Status.ACTIVE, ends_at__gt=now))

    def active_at(self, now: datetime):
        """Active reservations still running at `now`: overdue ones block nobody (R16). Implements R16."""
        return self.filter(status=Status.ACTIVE, ends_at__gt=now)

    def due(self, now: datetime):
        """Active reservations whose end has come (R16)."""
        return self.filter(status=Status.ACTIVE, ends_at__lte=now)

    def started_between(self, since: datetime, until: datetime):
        """Loans that began from `since` to `until`, running or ended since: R7's books read. Implements R7."""
        return self.filter(status__in=(Status.ACTIVE, *ENDED_AFTER_ACTIVE), starts_at__gte=since, starts_at__lte=until)

    def with_queue_priority(self, now: datetime):
        """Annotate `priority`: 0 for customers whose tier at `now` has queue priority, else 1 (R12).

        ``queue_priority`` gives the same number for one customer read into Python.
        """
        return self.annotate(
            priority=Case(
                When(Customer.queue_priority_q(now, "customer__"), then=Value(0)),
                default=Value(1),
                output_field=models.IntegerField(),
            )
        )

    def in_queue_order(self, now: datetime):
        """Queued entries in R12 order: Premium at `now` first, then earliest request. Implements R12."""
        return self.queued().with_queue_priority(now).order_by("priority", "requested_at", "id")


class Reservation(models.Model):
    """A customer's request for a book, from the queue to its end.

    Its state changes only through the methods below, each allowed by TRANSITIONS;
    the services call them under a lock on the book's row.
    """

    customer = models.ForeignKey(
        "accounts.Customer",
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=gettext_lazy("customer"),
    )
    book = models.ForeignKey(
        "catalog.Book", on_delete=models.PROTECT, related_name="reservations", verbose_name=gettext_lazy("book")
    )
    status = models.CharField(gettext_lazy("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField(gettext_lazy("requested at"), default=timezone.now)
    days = models.PositiveSmallIntegerField(gettext_lazy("days"))
    starts_at = models.DateTimeField(gettext_lazy("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(gettext_lazy("ends at"), null=True, blank=True)
    price = models.BigIntegerField(
        gettext_lazy("price"), null=True, blank=True, help_text=gettext_lazy("Toman charged, after the discount.")
    )
    discount = models.PositiveSmallIntegerField(
        gettext_lazy("discount"), null=True, blank=True, help_text=gettext_lazy("Percent.")
    )
    ended_at = models.DateTimeField(gettext_lazy("ended at"), null=True, blank=True)
    end_reason = models.CharField(gettext_lazy("end reason"), max_length=32, choices=EndReason.choices, blank=True)
    # Set once the "ends within 24 hours" notice is sent, so it is sent once (SPEC section 6).
    ending_notified_at = models.DateTimeField(gettext_lazy("ending notified at"), null=True, blank=True, editable=False)
    # R29: how many times the loan was renewed; `days` and `price` are the totals.
    renewals = models.PositiveSmallIntegerField(gettext_lazy("renewals"), default=0, editable=False)
    # R30: a queued place paused until this moment (00:00 of the chosen day in TIME_ZONE);
    # from then on it counts as resumed, whether or not the worker has cleared it yet.
    paused_until = models.DateTimeField(gettext_lazy("paused until"), null=True, blank=True, editable=False)
    # R32: when this entry, first in its queue, was told its wallet does not cover the price; once per entry.
    wallet_warned_at = models.DateTimeField(gettext_lazy("wallet warned at"), null=True, blank=True, editable=False)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = gettext_lazy("reservation")
        verbose_name_plural = gettext_lazy("reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "book"],
                condition=Q(status__in=LIVE_STATUSES),
                name="reservation_one_live_per_customer_book",
                violation_error_code="already_reserved",
                violation_error_message=gettext_lazy("You already hold or are queued for this book."),
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="reservation_status_valid"),
            # A renewed loan's days are the total (R29): at most the longest loan per renewal and the first.
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=(F("renewals") + 1) * MAX_RESERVATION_DAYS),
                name="reservation_days_in_range",
            ),
            models.CheckConstraint(
                condition=Q(renewals__lte=MAX_RENEWALS) & (Q(renewals=0) | ~Q(status=Status.QUEUED)),
                name="reservation_renewals_in_range",
            ),
            models.CheckConstraint(
                condition=Q(paused_until__isnull=True) | Q(status=Status.QUEUED), name="reservation_paused_only_queued"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="reservation_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount__isnull=True) | Q(discount__lte=100), name="reservation_discount_percent"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status=Status.QUEUED,
                        starts_at__isnull=True,
                        ends_at__isnull=True,
                        price__isnull=True,
                        ended_at__isnull=True,
                    )
                    | Q(
                        status=Status.ACTIVE,
                        starts_at__isnull=False,
                        ends_at__isnull=False,
                        ends_at__gt=F("starts_at"),
                        price__isnull=False,
                        discount__isnull=False,
                        ended_at__isnull=True,
                    )
                    | Q(
                        status__in=ENDED_AFTER_ACTIVE,
                        starts_at__isnull=False,
                        ends_at__isnull=False,
                        ends_at__gt=F("starts_at"),
                        price__isnull=False,
                        ended_at__isnull=False,
                    )
                    | Q(
                        status__in=ENDED_FROM_QUEUE,
                        starts_at__isnull=True,
                        price__isnull=True,
                        ended_at__isnull=False,
                    )
                ),
                name="reservation_fields_match_status",
            ),
        ]
        indexes = [
            # A book's queue in request order, ties by id (R12): the whole ORDER BY, so walking
            # it needs no sort, whatever the planner guesses of the queue's length (a
            # prepared statement's generic plan guessed 1 row and sorted all 10,000). Then
            # paused_until, so the walk skips paused places (R30) on the index alone.
            models.Index(fields=["book", "status", "requested_at", "id", "paused_until"], name="reservation_queue_idx"),
            models.Index(fields=["status", "ends_at"], name="reservation_due_idx"),
            # The beat's pauses whose moment has come (R30): the few paused places only.
            models.Index(
                fields=["paused_until"], name="reservation_paused_idx", condition=Q(paused_until__isnull=False)
            ),
            models.Index(fields=["customer", "status"], name="reservation_customer_idx"),
            models.Index(fields=["customer", "starts_at"], name="reservation_read_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.book} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def is_paused(self, now: datetime) -> bool:
        """A queued place paused at `now` (R30); from `paused_until` on it counts as resumed."""
        return self.status == Status.QUEUED and self.paused_until is not None and self.paused_until > now

    def is_overdue(self, now: datetime) -> bool:
        """An active reservation whose end has come (R16)."""
        return self.status == Status.ACTIVE and self.ends_at is not None and self.ends_at <= now

    def _move_to(self, status: str) -> None:
        if status not in TRANSITIONS.get(self.status, ()):
            raise InvalidTransition(f"A {self.status} reservation cannot become {status}.")
        self.status = status

    def activate(self, *, at: datetime, price: int, discount: int) -> None:
        """Start the loan at `at` for `days` days with the price charged (R9, R13)."""
        self._move_to(Status.ACTIVE)
        self.paused_until = None  # a place whose pause came to its end (R30)
        self.starts_at = at
        self.ends_at = at + DAY * self.days
        self.price = price
        self.discount = discount

    def finish(self, *, status: str, at: datetime) -> None:
        """End an active loan: returned, expired or ended by an admin (R15, R16, R25)."""
        if status not in ENDED_AFTER_ACTIVE:
            raise InvalidTransition(f"{status} does not end an active reservation.")
        self._move_to(status)
        self.ended_at = at
        self.end_reason = status  # the three end statuses double as their reasons

    def leave_queue(self, *, status: str, at: datetime, reason: str) -> None:
        """Take a queued entry out: cancelled (R14, R25) or dropped (R13)."""
        if status not in ENDED_FROM_QUEUE:
            raise InvalidTransition(f"{status} does not take an entry out of the queue.")
        self._move_to(status)
        self.paused_until = None
        self.ended_at = at
        self.end_reason = reason

    def clean(self) -> None:
        most = MAX_RESERVATION_DAYS * (1 + (self.renewals or 0))  # a renewed loan's days are its total (R29)
        if self.days is not None and not 1 <= self.days <= most:
            raise ValidationError({"days": _("Days must be from 1 to %(max)s.") % {"max": most}})
