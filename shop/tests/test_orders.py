"""Orders after checkout (R36): cancel with refund and stock back, fulfil, only from placed; R7 counts purchases."""

from datetime import timedelta

import pytest

from accounts.models import Notification, Tier
from billing.models import TransactionKind, WalletTransaction
from catalog.signals import stock_raised
from reservations.models import Status
from reservations.services import reserve
from shop.checkout import checkout
from shop.exceptions import OrderNotPlaced
from shop.models import OrderStatus
from shop.orders import cancel_order, fulfil_order
from shop.services import add_to_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(make_customer, make_book, now):
    customer = make_customer(Tier.FREE, balance=500_000)
    book = make_book(price=70_000, stock=4)
    add_to_cart(customer=customer, book=book, quantity=3)
    return checkout(customer=customer, now=now).order, customer, book


def test_cancelling_refunds_returns_the_stock_and_tells_the_customer_R36(placed, assert_wallet_consistent, now):
    order, customer, book = placed
    raised = []
    stock_raised.connect(receiver := lambda sender, book, before, **kw: raised.append((book.pk, before)))
    try:
        cancelled = cancel_order(order=order.pk, now=now + timedelta(hours=1))
    finally:
        stock_raised.disconnect(receiver)
    assert (cancelled.status, cancelled.closed_at) == (OrderStatus.CANCELLED, now + timedelta(hours=1))
    assert cancelled.refund.kind == TransactionKind.REFUND
    assert cancelled.refund.amount == 210_000
    book.refresh_from_db()
    assert book.stock == 4
    assert raised == [(book.pk, 1)]  # the wishlist hears of it (R38)
    customer.refresh_from_db()
    assert customer.balance == 500_000
    assert_wallet_consistent(customer)
    notice = Notification.objects.get(user=customer.user, kind=Notification.Kind.ORDER_CANCELLED)
    assert f"#{order.pk}" in notice.message and "210,000" in notice.message


def test_the_notice_speaks_the_customers_language_R36_R40(placed, now):
    order, customer, _book = placed
    customer.user.language = "fa"
    customer.user.save(update_fields=["language"])
    cancel_order(order=order, now=now)
    message = Notification.objects.get(user=customer.user).message
    assert "لغو" in message
    assert "لغو" in WalletTransaction.objects.get(customer=customer, kind=TransactionKind.REFUND).reference


def test_an_order_is_cancelled_or_fulfilled_once_only_R36(placed, now):
    order, customer, book = placed
    cancel_order(order=order, now=now)
    for again in (cancel_order, fulfil_order):
        with pytest.raises(OrderNotPlaced) as refused:
            again(order=order, now=now)
        assert (refused.value.status, refused.value.code) == (409, "order_not_placed")
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.REFUND).count() == 1
    book.refresh_from_db()
    assert book.stock == 4


def test_fulfilling_closes_a_placed_order_and_it_cannot_be_cancelled_then_R36(placed, now):
    order, customer, book = placed
    fulfilled = fulfil_order(order=order, now=now)
    assert (fulfilled.status, fulfilled.closed_at) == (OrderStatus.FULFILLED, now)
    with pytest.raises(OrderNotPlaced):
        cancel_order(order=order, now=now)
    book.refresh_from_db()
    assert book.stock == 1
    assert not WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.REFUND).exists()


def test_buying_books_earns_the_big_spender_discount_and_the_next_loan_is_free_R36_R7(make_customer, make_book, now):
    """R7: purchases count as paid; more than 300,000 toman in 60 days gives 100% off the next reservation."""
    customer = make_customer(Tier.PLUS, balance=400_000)
    add_to_cart(customer=customer, book=make_book(price=150_001, stock=2), quantity=2)  # 300,002 > 300,000
    checkout(customer=customer, now=now - timedelta(days=1))
    loan = reserve(customer=customer, book=make_book(units=1), days=5, now=now)
    assert (loan.status, loan.discount, loan.price) == (Status.ACTIVE, 100, 0)


def test_a_cancelled_purchase_no_longer_counts_as_paid_R36_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=400_000)
    add_to_cart(customer=customer, book=make_book(price=150_001, stock=2), quantity=2)
    order = checkout(customer=customer, now=now - timedelta(days=2)).order
    cancel_order(order=order, now=now - timedelta(days=1))
    loan = reserve(customer=customer, book=make_book(units=1), days=5, now=now)
    assert (loan.discount, loan.price) == (0, 5_000)


def test_an_order_of_free_books_is_cancelled_with_nothing_to_refund_R36(make_customer, make_book, now):
    """A book priced 0 is sold for 0: its order is cancelled, its stock comes back, no ledger row is made."""
    customer = make_customer(Tier.FREE, balance=0)
    book = make_book(price=0, stock=2)
    add_to_cart(customer=customer, book=book, quantity=2)
    order = checkout(customer=customer, now=now).order
    assert order.total == 0
    cancelled = cancel_order(order=order, now=now)
    assert (cancelled.status, cancelled.refund) == (OrderStatus.CANCELLED, None)
    book.refresh_from_db()
    assert book.stock == 2
    assert not WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.REFUND).exists()
