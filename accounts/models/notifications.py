"""Notifications: messages to users, stored so pages can list them."""

from django.db import models
from django.utils import timezone

from .users import User


class Notification(models.Model):
    """A message to a user, stored so pages can list it; sending comes after commit."""

    class Kind(models.TextChoices):
        PROMOTED = "promoted", "Promoted from the queue"
        DROPPED = "dropped", "Dropped from the queue"
        LOAN_ENDED = "loan_ended", "Loan ended by an admin"
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
