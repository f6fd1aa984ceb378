"""Checkout and cancel races with real threads on PostgreSQL (R35, R36, R19)."""

import pytest
from django.db import connection

from accounts.models import Tier
from billing.models import TransactionKind, WalletTransaction
from bookstore.tests.concurrency import run_together
from catalog.models import Book
from shop.checkout import checkout
from shop.exceptions import OrderNotPlaced, OutOfStock
from shop.models import Order, OrderStatus
from shop.orders import cancel_order
from shop.services import add_to_cart

if connection.vendor != "postgresql":
    pytest.skip("Concurrency tests need PostgreSQL row locks; set DATABASE_URL=postgres://...", allow_module_level=True)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_thirty_customers_racing_for_the_last_three_copies_make_three_orders_R35(
    make_customer, make_book, assert_wallet_consistent
):
    book = make_book(price=10_000, stock=3)
    other = make_book(price=1_000, stock=100)  # a second book in every cart: locks taken in id order
    customers = [make_customer(Tier.FREE, balance=50_000) for _ in range(30)]
    for customer in customers:
        add_to_cart(customer=customer, book=other, quantity=1)
        add_to_cart(customer=customer, book=book, quantity=1)

    outcomes = run_together([lambda c=customer: checkout(customer=c) for customer in customers])

    assert sum(o.ok for o in outcomes) == 3
    assert all(isinstance(o.refusal, OutOfStock) for o in outcomes if not o.ok)
    book.refresh_from_db()
    other.refresh_from_db()
    assert (book.stock, other.stock) == (0, 97)
    assert Order.objects.count() == 3
    for customer, outcome in zip(customers, outcomes, strict=True):
        assert_wallet_consistent(customer)
        purchases = WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.PURCHASE).count()
        assert purchases == (1 if outcome.ok else 0)
        assert customer.balance == (39_000 if outcome.ok else 50_000)


def test_repeats_of_one_key_at_once_make_one_order_R35(make_customer, make_book, assert_wallet_consistent):
    customer = make_customer(Tier.FREE, balance=100_000)
    book = make_book(price=20_000, stock=10)
    add_to_cart(customer=customer, book=book, quantity=2)

    outcomes = run_together([lambda: checkout(customer=customer, idempotency_key="same") for _ in range(8)])

    assert all(o.ok for o in outcomes)
    assert len({o.value.order.pk for o in outcomes}) == 1
    assert sum(o.value.created for o in outcomes) == 1
    assert Order.objects.count() == 1
    book.refresh_from_db()
    assert book.stock == 8
    assert_wallet_consistent(customer)
    assert customer.balance == 60_000


def test_two_admins_cancelling_at_once_refund_once_R36(make_customer, make_book, assert_wallet_consistent):
    customer = make_customer(Tier.FREE, balance=100_000)
    book = make_book(price=30_000, stock=2)
    add_to_cart(customer=customer, book=book, quantity=2)
    order = checkout(customer=customer).order

    outcomes = run_together([lambda: cancel_order(order=order.pk) for _ in range(2)])

    assert sum(o.ok for o in outcomes) == 1
    assert [type(o.refusal) for o in outcomes if not o.ok] == [OrderNotPlaced]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.REFUND).count() == 1
    assert Book.objects.get(pk=book.pk).stock == 2
    assert_wallet_consistent(customer)
    assert customer.balance == 100_000
