"""What admins do with a placed order (R36): fulfil it, or cancel it with a refund and the stock back.

Lock order (docs/architecture.md): a cancel locks the order's books in id order, then the
customer, then the order's own row, and re-reads the status under that last lock; so of
two admins cancelling at once one refunds and restocks, the other gets 409
``order_not_placed``. A fulfil locks only the order. Checkout locks no existing order,
so no use case waits for these in a circle.
"""

from datetime import datetime

from django.utils import timezone

from accounts.models import Notification
from accounts.services import notify
from billing.models import TransactionKind
from billing.services import credit_wallet, lock_customer
from catalog.models import lock_book
from core.transactions import atomic_with_retry

from . import texts
from .exceptions import OrderNotFound, OrderNotPlaced
from .models import Order


def _lock_order(order: Order | int) -> Order:
    found = Order.objects.select_for_update().filter(pk=order if isinstance(order, int) else order.pk).first()
    if found is None:
        raise OrderNotFound()
    return found


@atomic_with_retry()
def cancel_order(*, order: Order | int, now: datetime | None = None) -> Order:
    """Cancel a placed order: refund its total to the wallet, return its stock, tell the customer (R36).

    The refund is a ledger row of kind ``refund`` (R19); each book's stock comes back
    through ``Book.restock``, which tells the wishlist (R38). Exactly once: a second cancel
    (even a concurrent one) is 409 ``order_not_placed``.

    Implements R36.
    """
    now = now or timezone.now()
    order_id = order if isinstance(order, int) else order.pk
    current = Order.objects.filter(pk=order_id).first()
    if current is None:
        raise OrderNotFound()
    if not current.is_placed:  # the cheap refusal; checked again under the lock
        raise OrderNotPlaced()
    lines = list(current.lines.order_by("book_id"))  # lines never change after checkout
    books = [(lock_book(line.book_id), line.quantity) for line in lines]
    customer = lock_customer(current.customer_id)
    locked = _lock_order(order_id)
    if not locked.is_placed:
        raise OrderNotPlaced()
    refund = None  # an order of free books was paid nothing, and is refunded nothing
    if locked.total > 0:
        refund = credit_wallet(
            customer=customer,
            amount=locked.total,
            kind=TransactionKind.REFUND,
            reference=texts.refund_reference(customer, locked.pk),
            now=now,
        )
    locked.cancel(refund=refund, at=now)
    for book, quantity in books:
        book.restock(quantity)
    notify(
        user=customer.user,
        kind=Notification.Kind.ORDER_CANCELLED,
        message=texts.cancelled_message(customer, locked.pk, locked.total),
    )
    return locked


@atomic_with_retry()
def fulfil_order(*, order: Order | int, now: datetime | None = None) -> Order:
    """Mark a placed order fulfilled (R36); any other status is 409 ``order_not_placed``. Implements R36."""
    locked = _lock_order(order)
    locked.fulfil(at=now or timezone.now())
    return locked
