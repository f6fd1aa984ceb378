"""Reviews of books: a rating from 1 to 5 and an optional text, by a reader of the book (R37).

A review is never removed: deleting it stamps ``deleted_at`` (its writer may then write
another), hiding it stamps ``hidden_at`` and ``hidden_by`` (an admin's). Neither shows
anywhere public nor counts in the book's average; both stay for the record.

Decision where SPEC is silent: a hidden review is still its writer's one review of the
book. They can neither write a second, nor edit or delete the hidden one (409
``review_hidden``), so hiding cannot be undone by writing the same text again.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy

MIN_RATING = 1
MAX_RATING = 5
MAX_TEXT = 5_000


class ReviewQuerySet(models.QuerySet):
    def not_deleted(self):
        """Reviews their writers have not deleted: each (customer, book) has at most one (R37)."""
        return self.filter(deleted_at__isnull=True)

    def visible(self):
        """What pages and the API show and the average counts: not deleted, not hidden (R37)."""
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True)

    def newest_first(self):
        return self.order_by("-created_at", "-id")


class Review(models.Model):
    """One customer's rating and words on one book (R37). Implements R37."""

    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="reviews", verbose_name=gettext_lazy("customer")
    )
    book = models.ForeignKey(
        "catalog.Book", on_delete=models.PROTECT, related_name="reviews", verbose_name=gettext_lazy("book")
    )
    rating = models.PositiveSmallIntegerField(
        gettext_lazy("rating"), validators=[MinValueValidator(MIN_RATING), MaxValueValidator(MAX_RATING)]
    )
    text = models.TextField(
        gettext_lazy("text"), blank=True, default="", max_length=MAX_TEXT, validators=[MaxLengthValidator(MAX_TEXT)]
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), default=timezone.now)
    deleted_at = models.DateTimeField(gettext_lazy("deleted at"), null=True, blank=True)
    hidden_at = models.DateTimeField(gettext_lazy("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("hidden by"),
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("review")
        verbose_name_plural = gettext_lazy("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=MIN_RATING) & Q(rating__lte=MAX_RATING), name="review_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_TEXT), name="review_text_not_too_long"
            ),
            models.UniqueConstraint(
                fields=["customer", "book"], condition=Q(deleted_at__isnull=True), name="review_one_per_customer_book"
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True, hidden_by__isnull=True) | Q(hidden_at__isnull=False),
                name="review_hidden_by_only_when_hidden",
            ),
        ]
        indexes = [
            # A book's reviews, newest first (reviews.selectors.visible_reviews).
            models.Index(
                "book",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="review_book_newest_idx",
                condition=Q(deleted_at__isnull=True, hidden_at__isnull=True),
            ),
            models.Index(fields=["customer", "book"], name="review_customer_book_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 · {self.book_id} by {self.customer_id}"

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None
