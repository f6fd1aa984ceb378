"""The books a customer wished for, each with its two alerts' state (R38)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Customer
from catalog.models import Book


class WishedBook(models.Model):
    """A book on a customer's wishlist (R38).

    ``free_alerted_at`` and ``stock_alerted_at`` say the customer knows the book can be
    borrowed, or bought: set when they were told (or when they wished a book that was
    available then), cleared when it runs out again. Each alert goes to the entries
    where it is empty, so it is sent once until the book runs out again. The alerts
    (``wishlist.alerts``) own both fields.

    Implements R38.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="wished_books", verbose_name=gettext_lazy("customer")
    )
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="wishes", verbose_name=gettext_lazy("book"))
    added_at = models.DateTimeField(gettext_lazy("added at"), default=timezone.now)
    free_alerted_at = models.DateTimeField(
        gettext_lazy("told it is free to borrow at"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty until the customer is told a copy is free; emptied when none is free again."),
    )
    stock_alerted_at = models.DateTimeField(
        gettext_lazy("told it is back in stock at"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty until the customer is told it can be bought; emptied when it sells out again."),
    )

    class Meta:
        verbose_name = gettext_lazy("wished book")
        verbose_name_plural = gettext_lazy("wished books")
        constraints = [models.UniqueConstraint(fields=["customer", "book"], name="wish_once_per_customer_book")]
        # The alerts' lookups: a book's entries not told yet, and those to clear when it runs out.
        indexes = [
            models.Index(fields=["book", "free_alerted_at"], name="wish_book_free_idx"),
            models.Index(fields=["book", "stock_alerted_at"], name="wish_book_stock_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} → {self.book}"
