"""Checkout (R35): one transaction that pays, sells, writes the order and empties the cart, or changes nothing."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Tier
from billing.exceptions import InsufficientFunds, InvalidIdempotencyKey
from billing.models import TransactionKind, WalletTransaction
from billing.services import debit_wallet, lock_customer
from catalog.models import Book
from shop.checkout import checkout
from shop.exceptions import CartEmpty, OutOfStock
from shop.models import CartItem, Order, OrderStatus
from shop.services import add_to_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(make_customer, make_book):
    customer = make_customer(Tier.FREE, balance=1_000_000)
    books = [make_book(price=100_000, stock=5, title="Suvashun"), make_book(price=40_000, stock=2, title="Kelidar")]
    add_to_cart(customer=customer, book=books[0], quantity=3)
    add_to_cart(customer=customer, book=books[1], quantity=2)
    return customer, books


def test_checkout_pays_sells_writes_the_order_and_empties_the_cart_R35(shopper, assert_wallet_consistent, now):
    customer, (first, second) = shopper
    result = checkout(customer=customer, now=now)
    order = result.order
    assert result.created
    assert (order.status, order.total, order.created_at) == (OrderStatus.PLACED, 380_000, now)
    assert [(line.book_id, line.quantity, line.unit_price) for line in order.lines.order_by("book_id")] == sorted(
        [(first.pk, 3, 100_000), (second.pk, 2, 40_000)]
    )
    assert order.payment.kind == TransactionKind.PURCHASE
    assert order.payment.amount == -380_000
    assert "Suvashun × 3" in order.payment.reference
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock, second.stock) == (2, 0)
    assert not CartItem.objects.filter(customer=customer).exists()
    assert customer.balance == 620_000
    assert_wallet_consistent(customer)


def test_lines_keep_the_price_paid_when_the_book_price_changes_later_R35(shopper, now):
    customer, (first, _second) = shopper
    order = checkout(customer=customer, now=now).order
    Book.objects.filter(pk=first.pk).update(price=1)
    assert order.lines.get(book=first).unit_price == 100_000


def test_short_stock_refuses_the_whole_order_listing_every_short_book_R35(shopper, make_book, now):
    customer, (first, second) = shopper
    Book.objects.filter(pk=first.pk).update(stock=1)
    Book.objects.filter(pk=second.pk).update(stock=0)
    with pytest.raises(OutOfStock) as refused:
        checkout(customer=customer, now=now)
    assert refused.value.status == 409
    body = refused.value.as_dict()
    assert body["code"] == "out_of_stock"
    assert [(b["book"], b["requested"], b["available"]) for b in body["books"]] == sorted(
        [(first.pk, 3, 1), (second.pk, 2, 0)]
    )
    assert not Order.objects.exists()
    assert CartItem.objects.filter(customer=customer).count() == 2
    customer.refresh_from_db()
    assert customer.balance == 1_000_000


def test_a_withdrawn_book_in_the_cart_counts_as_none_for_sale_R35_R28(shopper, now):
    customer, (first, _second) = shopper
    Book.objects.filter(pk=first.pk).update(withdrawn_at=now)
    with pytest.raises(OutOfStock) as refused:
        checkout(customer=customer, now=now)
    assert refused.value.books == [{"book": first.pk, "title": "Suvashun", "requested": 3, "available": 0}]


def test_an_empty_cart_is_refused_R35(make_customer):
    with pytest.raises(CartEmpty) as refused:
        checkout(customer=make_customer(balance=10_000))
    assert (refused.value.status, refused.value.code) == (400, "cart_empty")


def test_a_short_wallet_is_402_and_nothing_changes_R35_R11(make_customer, make_book, now):
    customer = make_customer(balance=50_000)
    book = make_book(price=60_000, stock=3)
    add_to_cart(customer=customer, book=book, quantity=1)
    with pytest.raises(InsufficientFunds) as refused:
        checkout(customer=customer, now=now)
    assert refused.value.shortfall == 10_000
    book.refresh_from_db()
    assert book.stock == 3
    assert CartItem.objects.filter(customer=customer).exists()
    assert not Order.objects.exists()
    assert not WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.PURCHASE).exists()


def test_a_repeat_with_the_same_key_answers_the_first_order_R35(shopper, now):
    customer, _books = shopper
    first = checkout(customer=customer, idempotency_key="k-1", now=now)
    repeat = checkout(customer=customer, idempotency_key="k-1", now=now)
    assert first.created and not repeat.created
    assert repeat.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.PURCHASE).count() == 1


def test_another_key_is_another_checkout_R35(shopper, now):
    customer, (first, _second) = shopper
    checkout(customer=customer, idempotency_key="k-1", now=now)
    add_to_cart(customer=customer, book=first, quantity=1)
    assert checkout(customer=customer, idempotency_key="k-2", now=now).created
    assert Order.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a\x00b"])
def test_a_malformed_key_is_refused_R35(shopper, key):
    customer, _books = shopper
    with pytest.raises(InvalidIdempotencyKey):
        checkout(customer=customer, idempotency_key=key)


def test_the_database_refuses_a_second_order_with_one_key_R35(shopper, now):
    customer, _books = shopper
    checkout(customer=customer, idempotency_key="k-1", now=now)
    with transaction.atomic():
        payment = debit_wallet(
            customer=lock_customer(customer), amount=1, kind=TransactionKind.PURCHASE, reference="x", now=now
        )
    with pytest.raises(IntegrityError, match="order_idempotency_key_unique"):
        Order.objects.create(customer=customer, total=1, payment=payment, idempotency_key="k-1")
