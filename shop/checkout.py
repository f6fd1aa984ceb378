"""Checkout: the cart becomes a paid order in one transaction (R35).

Lock order (docs/architecture.md): the cart's books first, each with
``catalog.models.lock_book`` in id order, then the customer (``lock_customer``), as
reserving does (book, then customer). The cart is read once before the locks, to know
which books to lock, and again under the customer's lock; a book that came into the
cart in between was not locked, so the attempt starts over (it cannot lock that book
now without breaking the order).

Under the locks: a repeat of an ``Idempotency-Key`` answers the order it made; an empty
cart is 400 ``cart_empty``; every book short of stock (or withdrawn, R28: none for sale)
is listed in one 409 ``out_of_stock``; the wallet pays the total (402 as R11) with a
ledger row of kind ``purchase``; each book's stock goes down (``Book.sell``, backed by
``book_stock_not_negative``); the order and its lines keep the unit prices paid; the
cart is emptied. Any refusal rolls everything back.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Customer
from billing.models import TransactionKind
from billing.services import debit_wallet, lock_customer, validate_idempotency_key
from catalog.models import Book, lock_book
from core.transactions import atomic_with_retry

from . import texts
from .exceptions import CartChanged, CartEmpty, OutOfStock
from .models import CartItem, Order, OrderLine

ATTEMPTS = 3  # a cart that keeps changing under the checkout gives up after this many tries


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool  # False when an earlier checkout with the same Idempotency-Key made the order


class _CartChanged(Exception):
    """A book came into the cart after its books were locked: start again."""


def checkout(*, customer: Customer, idempotency_key: str | None = None, now: datetime | None = None) -> CheckoutResult:
    """Buy everything in the cart at the current prices, paid from the wallet (R35, R11, R19).

    With `idempotency_key`, a repeat (even a concurrent one) answers the first order and
    makes no second; the unique (customer, idempotency_key) constraint is the last line.

    Implements R35.
    """
    key = validate_idempotency_key(idempotency_key)
    for _attempt in range(ATTEMPTS):
        try:
            return _checkout(customer=customer, key=key, now=now or timezone.now())
        except _CartChanged:
            continue
        except IntegrityError:
            # Two checkouts with one key both got past the lookup: the first one's order stands.
            earlier = Order.objects.filter(customer=customer, idempotency_key=key).first() if key else None
            if earlier is None:
                raise
            return CheckoutResult(order=earlier, created=False)
    raise CartChanged()


def _short_books(items: list[CartItem], books: dict[int, Book]) -> list[dict]:
    """``{book, requested, available}`` for every item the locked books cannot sell (R35, R28)."""
    short = []
    for item in items:
        book = books[item.book_id]
        available = 0 if book.is_withdrawn else book.stock
        if item.quantity > available:
            short.append({"book": book.pk, "title": book.title, "requested": item.quantity, "available": available})
    return short


@atomic_with_retry()
def _checkout(*, customer: Customer, key: str | None, now: datetime) -> CheckoutResult:
    book_ids = sorted(CartItem.objects.filter(customer=customer).values_list("book_id", flat=True))
    books = {}
    for book_id in book_ids:  # one at a time, in id order: the lock order
        if (book := lock_book(book_id)) is not None:
            books[book_id] = book
    locked = lock_customer(customer)  # with the user: the ledger row speaks their language
    if key is not None:
        earlier = Order.objects.filter(customer=locked, idempotency_key=key).first()
        if earlier is not None:
            return CheckoutResult(order=earlier, created=False)
    items = list(CartItem.objects.filter(customer=locked).order_by("book_id"))
    if not items:
        raise CartEmpty()
    if any(item.book_id not in books for item in items):
        raise _CartChanged()
    if short := _short_books(items, books):
        raise OutOfStock(books=short)

    lines = [(books[item.book_id], item.quantity) for item in items]
    total = sum(book.price * quantity for book, quantity in lines)
    reference = texts.purchase_reference(locked, [(book.title, quantity) for book, quantity in lines])
    payment = debit_wallet(customer=locked, amount=total, kind=TransactionKind.PURCHASE, reference=reference, now=now)
    for book, quantity in lines:
        book.sell(quantity)
    order = Order.objects.create(customer=locked, total=total, payment=payment, idempotency_key=key, created_at=now)
    OrderLine.objects.bulk_create(
        OrderLine(order=order, book=book, quantity=quantity, unit_price=book.price) for book, quantity in lines
    )
    CartItem.objects.filter(customer=locked).delete()
    customer.balance = locked.balance
    return CheckoutResult(order=order, created=True)
