"""The shop: a customer's cart and the orders checked out from it (R35, R36)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .exceptions import OrderNotPlaced

MAX_QUANTITY = 10  # of one book in a cart (R35)


class CartItem(models.Model):
    """A book in a customer's cart, with how many copies (R35); the cart is a customer's items."""

    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.CASCADE, related_name="cart_items", verbose_name=gettext_lazy("customer")
    )
    book = models.ForeignKey(
        "catalog.Book", on_delete=models.CASCADE, related_name="cart_items", verbose_name=gettext_lazy("book")
    )
    quantity = models.PositiveSmallIntegerField(gettext_lazy("quantity"))
    added_at = models.DateTimeField(gettext_lazy("added at"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = gettext_lazy("cart item")
        verbose_name_plural = gettext_lazy("cart items")
        constraints = [
            models.UniqueConstraint(fields=["customer", "book"], name="cart_item_one_per_book"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="cart_item_quantity_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.book_id} for {self.customer_id}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", gettext_lazy("Placed")
    FULFILLED = "fulfilled", gettext_lazy("Fulfilled")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class Order(models.Model):
    """A checked-out cart: paid from the wallet at once (R35), then fulfilled or cancelled (R36)."""

    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=gettext_lazy("customer")
    )
    status = models.CharField(
        gettext_lazy("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    total = models.BigIntegerField(gettext_lazy("total"), help_text=gettext_lazy("Toman paid."))
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)
    closed_at = models.DateTimeField(
        gettext_lazy("closed at"), null=True, blank=True, help_text=gettext_lazy("When it was fulfilled or cancelled.")
    )
    payment = models.OneToOneField(
        "billing.WalletTransaction",
        on_delete=models.PROTECT,
        related_name="order_paid",
        verbose_name=gettext_lazy("payment"),
    )
    refund = models.OneToOneField(
        "billing.WalletTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_refunded",
        verbose_name=gettext_lazy("refund"),
    )
    idempotency_key = models.CharField(gettext_lazy("idempotency key"), max_length=255, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("order")
        verbose_name_plural = gettext_lazy("orders")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                # A cancelled order was refunded by a ledger row, unless it cost nothing.
                condition=Q(status=OrderStatus.CANCELLED, total__gt=0, refund__isnull=False)
                | Q(status=OrderStatus.CANCELLED, total=0, refund__isnull=True)
                | (~Q(status=OrderStatus.CANCELLED) & Q(refund__isnull=True)),
                name="order_cancelled_has_refund",
            ),
            models.CheckConstraint(
                condition=Q(status=OrderStatus.PLACED, closed_at__isnull=True)
                | (~Q(status=OrderStatus.PLACED) & Q(closed_at__isnull=False)),
                name="order_closed_when_not_placed",
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="order_customer_time_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"

    @property
    def is_placed(self) -> bool:
        return self.status == OrderStatus.PLACED

    def fulfil(self, *, at) -> None:
        """Placed → fulfilled (R36); the caller holds this row's lock. Implements R36."""
        self._close(OrderStatus.FULFILLED, at=at)
        self.save(update_fields=["status", "closed_at"])

    def cancel(self, *, refund, at) -> None:
        """Placed → cancelled with its refund's ledger row (R36); the caller holds this row's lock."""
        self._close(OrderStatus.CANCELLED, at=at)
        self.refund = refund
        self.save(update_fields=["status", "closed_at", "refund"])

    def _close(self, status: str, *, at) -> None:
        if not self.is_placed:
            raise OrderNotPlaced()
        self.status = status
        self.closed_at = at


class OrderLine(models.Model):
    """A book bought in an order, at the unit price paid (a snapshot, R35)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=gettext_lazy("order"))
    book = models.ForeignKey(
        "catalog.Book", on_delete=models.PROTECT, related_name="order_lines", verbose_name=gettext_lazy("book")
    )
    quantity = models.PositiveSmallIntegerField(gettext_lazy("quantity"))
    unit_price = models.BigIntegerField(gettext_lazy("unit price"), help_text=gettext_lazy("Toman paid per copy."))

    class Meta:
        ordering = ["id"]
        verbose_name = gettext_lazy("order line")
        verbose_name_plural = gettext_lazy("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "book"], name="order_line_one_per_book"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]
        indexes = [models.Index(fields=["book", "order"], name="order_line_book_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.book_id}"

    @property
    def line_total(self) -> int:
        return self.quantity * self.unit_price
