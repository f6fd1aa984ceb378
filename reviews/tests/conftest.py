"""Fixtures of the reviews tests: readers who borrowed or bought a book (R37)."""

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Tier
from accounts.tests.factories import UserFactory
from billing.models import TransactionKind
from billing.services import credit_wallet, debit_wallet, lock_customer
from reservations.services import reserve
from shop.models import Order, OrderLine, OrderStatus


def buy(customer, book, *, status: str = OrderStatus.PLACED) -> Order:
    """An order of one copy of `book`, paid from the wallet (the shop's checkout writes the same rows)."""
    now = timezone.now()
    with transaction.atomic():
        locked = lock_customer(customer)
        payment = debit_wallet(
            customer=locked, amount=book.price, kind=TransactionKind.PURCHASE, reference="test order", now=now
        )
        closed = None if status == OrderStatus.PLACED else now
        refund = None
        if status == OrderStatus.CANCELLED:
            refund = credit_wallet(
                customer=locked, amount=book.price, kind=TransactionKind.REFUND, reference="test refund", now=now
            )
        order = Order.objects.create(
            customer=customer, total=book.price, payment=payment, refund=refund, status=status, closed_at=closed
        )
        OrderLine.objects.create(order=order, book=book, quantity=1, unit_price=book.price)
    return order


@pytest.fixture
def make_borrower(make_customer):
    """make_borrower(book, **customer fields) -> a Plus customer with an active loan of `book`."""

    def _make(book, **kwargs):
        customer = make_customer(tier=Tier.PLUS, balance=10_000, **kwargs)
        reserve(customer=customer, book=book, days=1)
        return customer

    return _make


@pytest.fixture
def make_buyer(make_customer):
    """make_buyer(book, status='placed') -> a Free customer who bought `book`."""

    def _make(book, status: str = OrderStatus.PLACED, **kwargs):
        customer = make_customer(tier=Tier.FREE, balance=book.price, **kwargs)
        buy(customer, book, status=status)
        return customer

    return _make


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
