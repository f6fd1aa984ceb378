"""Notifications: messages to users, stored so pages can list them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .users import User


class Notification(models.Model):
    """A message to a user, stored so pages can list it; sending comes after commit."""

    class Kind(models.TextChoices):
        PROMOTED = "promoted", gettext_lazy("Promoted from the queue")
        DROPPED = "dropped", gettext_lazy("Dropped from the queue")
        LOAN_ENDED = "loan_ended", gettext_lazy("Loan ended by an admin")
        ENDING_SOON = "ending_soon", gettext_lazy("Reservation ending soon")
        SUBSCRIPTION_RENEWED = "subscription_renewed", gettext_lazy("Subscription renewed")
        SUBSCRIPTION_ENDED = "subscription_ended", gettext_lazy("Subscription ended")
        RENEWED = "renewed", gettext_lazy("Loan renewed")
        RESUMED = "resumed", gettext_lazy("Paused place resumed")
        WALLET_SHORT = "wallet_short", gettext_lazy("First in line, wallet short")
        WISHED_FREE = "wished_free", gettext_lazy("Wished book free to borrow")
        WISHED_IN_STOCK = "wished_in_stock", gettext_lazy("Wished book back in stock")
        ORDER_CANCELLED = "order_cancelled", gettext_lazy("Order cancelled and refunded")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=gettext_lazy("user")
    )
    kind = models.CharField(gettext_lazy("kind"), max_length=32, choices=Kind.choices)
    message = models.TextField(gettext_lazy("message"))
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    sent_at = models.DateTimeField(
        gettext_lazy("sent at"), null=True, blank=True, help_text=gettext_lazy("When it was handed to its channels.")
    )
    read_at = models.DateTimeField(gettext_lazy("read at"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("notification")
        verbose_name_plural = gettext_lazy("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_idx")]

    def __str__(self) -> str:
        return _("%(kind)s for %(user)s") % {"kind": self.get_kind_display(), "user": self.user}
