"""The wallet ledger (R19) and the claims on gateway charges that feed it (R17).

``WalletTransaction`` is the ledger: one row for every change of a customer's balance.
``GatewayCharge`` is a customer's claim on one ``Idempotency-Key``: it is committed
before the payment gateway is called, so the gateway is called for a key by one request
at a time, and its state says what a repeat of the key gets. See ``GatewayCharge``.
"""

import math
from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .exceptions import ChargeInProgress


class TransactionKind(models.TextChoices):
    CHARGE = "charge", gettext_lazy("Wallet charge")
    RESERVATION = "reservation", gettext_lazy("Reservation")
    SUBSCRIPTION = "subscription", gettext_lazy("Subscription")
    REFUND = "refund", gettext_lazy("Refund")
    PURCHASE = "purchase", gettext_lazy("Purchase")


# What R7 counts as paid: reservation, subscription and purchase (R36) debits, refunds subtracted.
# Debits: the kinds whose amount is never positive.
DEBIT_KINDS = (TransactionKind.RESERVATION, TransactionKind.SUBSCRIPTION, TransactionKind.PURCHASE)
PAID_KINDS = (*DEBIT_KINDS, TransactionKind.REFUND)


class WalletTransactionQuerySet(models.QuerySet):
    def paid(self):
        """What R7 counts as paid (and the dashboard as revenue): the debits, refunds subtracted."""
        return self.filter(kind__in=PAID_KINDS)

    def paid_between(self, since: datetime, until: datetime):
        """``paid()`` from `since` to `until`, both included (R7's window). Implements R7."""
        return self.paid().filter(created_at__gte=since, created_at__lte=until)


class WalletTransaction(models.Model):
    """A signed change of a wallet, with the balance it left (the ledger, R19). Implements R19."""

    customer = models.ForeignKey(
        "accounts.Customer",
        on_delete=models.PROTECT,
        related_name="transactions",
        verbose_name=gettext_lazy("customer"),
    )
    amount = models.BigIntegerField(
        gettext_lazy("amount"), help_text=gettext_lazy("Signed toman: positive adds to the wallet.")
    )
    kind = models.CharField(gettext_lazy("kind"), max_length=16, choices=TransactionKind.choices)
    reference = models.CharField(gettext_lazy("reference"), max_length=200, blank=True)
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    balance_after = models.BigIntegerField(gettext_lazy("balance after"))
    idempotency_key = models.CharField(gettext_lazy("idempotency key"), max_length=255, null=True, blank=True)

    objects = WalletTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("wallet transaction")
        verbose_name_plural = gettext_lazy("wallet transactions")
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="wallet_tx_balance_after_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=TransactionKind.values), name="wallet_tx_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[TransactionKind.CHARGE, TransactionKind.REFUND], amount__gt=0)
                    | Q(kind__in=DEBIT_KINDS, amount__lte=0)
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


class ChargeStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Gateway being called")
    APPROVED = "approved", gettext_lazy("Approved and credited")
    DECLINED = "declined", gettext_lazy("Declined by the gateway")
    FAILED = "failed", gettext_lazy("Gateway failed or timed out")


class GatewayCharge(models.Model):
    """A customer's claim on an Idempotency-Key: one gateway charge, credited once (R17).

    The row is inserted and committed before the gateway is called; the unique
    (customer, idempotency_key) lets one request win the insert. A charge sent without
    a key gets a server-made one, so every gateway call carries a key. The states:

    - ``pending``: a request holds the claim and is calling the gateway (from
      ``attempted_at``). A repeat gets 409 ``charge_in_progress`` with ``Retry-After``
      (``RETRY_AFTER``, 2 s: most calls end sooner, so the next repeat usually gets the
      result) until the lease (``LEASE``, 30 s) runs out; after that, a repeat may take the claim
      over (a conditional UPDATE on ``attempts``, so one request wins) and call the
      gateway again with the same key, which a real gateway deduplicates. That covers a
      process that died mid-call or after an approval it could not record.
    - ``approved``: final. One transaction locked the customer, wrote the ledger row,
      and set ``transaction`` and this state. A repeat answers that row, no gateway call.
    - ``declined``: final. A repeat answers the same 402 ``payment_declined`` (with the
      gateway's ``message``) without calling the gateway; a new attempt needs a new key.
    - ``failed``: the gateway raised or timed out. A repeat takes the claim over at once
      and calls the gateway again with the same key.

    A repeat with another amount gets 409 ``idempotency_key_reused`` in every state.
    An approval that arrives for a claim already approved (a call that outlived its
    lease) credits nothing: the claim's row lock, and the ledger's own unique key as the
    last line, keep the credit to one. The times are the wall clock of the gateway calls,
    not the ``now`` a caller may give the ledger.

    Implements R17.
    """

    LEASE = timedelta(seconds=30)
    RETRY_AFTER = 2  # seconds a repeat is told to wait while the gateway is being called

    customer = models.ForeignKey(
        "accounts.Customer",
        on_delete=models.PROTECT,
        related_name="gateway_charges",
        verbose_name=gettext_lazy("customer"),
    )
    idempotency_key = models.CharField(
        gettext_lazy("idempotency key"),
        max_length=255,
        help_text=gettext_lazy("The client's Idempotency-Key, or a server-made one."),
    )
    amount = models.BigIntegerField(gettext_lazy("amount"), help_text=gettext_lazy("Toman asked of the gateway."))
    status = models.CharField(
        gettext_lazy("status"), max_length=16, choices=ChargeStatus.choices, default=ChargeStatus.PENDING
    )
    attempts = models.PositiveIntegerField(
        gettext_lazy("attempts"), default=1, help_text=gettext_lazy("Gateway calls made with this key.")
    )
    attempted_at = models.DateTimeField(
        gettext_lazy("attempted at"),
        help_text=gettext_lazy("When the latest gateway call began; a pending lease runs from it."),
    )
    gateway_reference = models.CharField(gettext_lazy("gateway reference"), max_length=200, blank=True)
    message = models.CharField(
        gettext_lazy("message"),
        max_length=500,
        blank=True,
        help_text=gettext_lazy("The gateway's reason for a decline."),
    )
    transaction = models.OneToOneField(
        WalletTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gateway_charge",
        verbose_name=gettext_lazy("transaction"),
        help_text=gettext_lazy("The ledger credit this charge produced, once approved."),
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    updated_at = models.DateTimeField(gettext_lazy("updated at"), default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("gateway charge")
        verbose_name_plural = gettext_lazy("gateway charges")
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="gateway_charge_key_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gateway_charge_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=ChargeStatus.values), name="gateway_charge_status_valid"),
            models.CheckConstraint(condition=Q(attempts__gte=1), name="gateway_charge_attempted"),
            models.CheckConstraint(
                condition=(
                    Q(status=ChargeStatus.APPROVED, transaction__isnull=False)
                    | (~Q(status=ChargeStatus.APPROVED) & Q(transaction__isnull=True))
                ),
                name="gateway_charge_approved_has_transaction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:,} for {self.customer} ({self.status})"

    @property
    def lease_ends_at(self) -> datetime:
        return self.attempted_at + self.LEASE

    def take_over(self, *, at: datetime) -> None:
        """Become the request that calls the gateway: for a failed claim, or a pending one past its lease."""
        if self.status not in (ChargeStatus.PENDING, ChargeStatus.FAILED):
            raise ValueError(f"A {self.status} charge is final.")
        if self.status == ChargeStatus.PENDING and at < self.lease_ends_at:
            left = math.ceil((self.lease_ends_at - at).total_seconds())
            raise ChargeInProgress(retry_after=min(self.RETRY_AFTER, left))
        taken = GatewayCharge.objects.filter(pk=self.pk, status=self.status, attempts=self.attempts).update(
            status=ChargeStatus.PENDING, attempts=F("attempts") + 1, attempted_at=at, updated_at=at
        )
        if not taken:  # another repeat took it over a moment ago and is calling the gateway
            raise ChargeInProgress(retry_after=1)
        self.status, self.attempts, self.attempted_at, self.updated_at = ChargeStatus.PENDING, self.attempts + 1, at, at

    def _settle(self, *, status: str, at: datetime, **fields) -> None:
        """Record this request's gateway answer, unless another request took the claim over since."""
        GatewayCharge.objects.filter(pk=self.pk, status=ChargeStatus.PENDING, attempts=self.attempts).update(
            status=status, updated_at=at, **fields
        )

    def fail(self, *, at: datetime) -> None:
        """The gateway raised or timed out: a repeat may call it again with the same key."""
        self._settle(status=ChargeStatus.FAILED, at=at)

    def decline(self, *, reference: str, message: str, at: datetime) -> None:
        """The gateway declined: final, a repeat answers the same decline."""
        self._settle(status=ChargeStatus.DECLINED, at=at, gateway_reference=reference[:200], message=message[:500])

    def approve(self, *, transaction: WalletTransaction, reference: str, at: datetime) -> None:
        """Name the ledger credit of an approved charge (the caller holds this row's lock)."""
        if self.status == ChargeStatus.APPROVED:
            raise ValueError("This charge was credited already.")
        self.status = ChargeStatus.APPROVED
        self.transaction = transaction
        self.gateway_reference = reference[:200]
        self.updated_at = at
        self.save(update_fields=["status", "transaction", "gateway_reference", "updated_at"])
