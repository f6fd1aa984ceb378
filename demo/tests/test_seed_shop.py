"""`seed_demo`'s shop (issue 19 item 7): stock, orders, reviews and wishes, made by the services (R34–R38)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum

from accounts.models import Notification
from billing.models import TransactionKind, WalletTransaction
from catalog.models import Book
from reviews.models import Review
from shop.models import CartItem, Order, OrderLine, OrderStatus
from wishlist.models import WishedBook

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=StringIO())


def test_the_shop_has_at_least_ten_rows_of_each_kind_R34_R35_R37_R38(seeded):
    assert Book.objects.filter(stock__gt=0).count() >= 10
    assert Order.objects.count() >= 10
    assert OrderLine.objects.count() >= 10
    assert Review.objects.count() >= 10
    assert WishedBook.objects.count() >= 10
    assert CartItem.objects.exists()  # a cart left unpaid
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)


def test_every_order_is_paid_through_the_ledger_and_a_cancelled_one_refunded_R35_R36(seeded):
    lines_total = Sum(F("lines__quantity") * F("lines__unit_price"))
    for order in Order.objects.select_related("payment", "refund").annotate(lines_total=lines_total):
        assert order.payment.kind == TransactionKind.PURCHASE and -order.payment.amount == order.total
        assert order.lines_total == order.total
        if order.status == OrderStatus.CANCELLED:
            assert order.refund.kind == TransactionKind.REFUND and order.refund.amount == order.total
    purchases = WalletTransaction.objects.filter(kind=TransactionKind.PURCHASE).count()
    assert purchases == Order.objects.count()


def test_books_ratings_are_their_visible_reviews_and_stock_never_negative_R37(seeded):
    assert not Book.objects.filter(stock__lt=0).exists()
    books = Book.objects.annotate(
        shown=Count("reviews", filter=Q(reviews__deleted_at__isnull=True, reviews__hidden_at__isnull=True)),
        stars=Sum("reviews__rating", filter=Q(reviews__deleted_at__isnull=True, reviews__hidden_at__isnull=True)),
    )
    for book in books:
        assert (book.rating_count, book.rating_sum) == (book.shown, book.stars or 0), book.title


def test_the_seed_shows_both_wishlist_alerts_and_a_cancelled_order_notice_R36_R38(seeded):
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"wished_free", "wished_in_stock", "order_cancelled"} <= kinds
    told = Notification.objects.filter(kind="wished_in_stock").values_list("user__username", flat=True)
    assert {"omid_rahimi", "maryam_hosseini"} <= set(told)
