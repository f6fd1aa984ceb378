"""The wallet ledger: one row for every change of a customer's balance (R19)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class TransactionKind(models.TextChoices):
    CHARGE = "charge", "Wallet charge"
    RESERVATION = "reservation", "Reservation"
    SUBSCRIPTION = "subscription", "Subscription"
    REFUND = "refund", "Refund"


# What R7 counts as paid: reservation and subscription debits, refunds subtracted.
PAID_KINDS = (TransactionKind.RESERVATION, TransactionKind.SUBSCRIPTION, TransactionKind.REFUND)


class WalletTransaction(models.Model):
    """A signed change of a wallet, with the balance it left (the ledger, R19)."""

    customer = models.ForeignKey("accounts.Customer", on_delete=models.PROTECT, related_name="transactions")
    amount = models.BigIntegerField(help_text="Signed toman: positive adds to the wallet.")
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    balance_after = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="wallet_tx_balance_after_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=TransactionKind.values), name="wallet_tx_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[TransactionKind.CHARGE, TransactionKind.REFUND], amount__gt=0)
                    | Q(kind__in=[TransactionKind.RESERVATION, TransactionKind.SUBSCRIPTION], amount__lte=0)
                ),
                name="wallet_tx_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="wallet_tx_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="wallet_tx_customer_time_idx"),
            models.Index(fields=["customer", "kind", "created_at"], name="wallet_tx_paid_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+} for {self.customer}"
