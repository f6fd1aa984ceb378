"""The reservation price (R6) and its discount (R7), computed at the `now` it is charged."""

from datetime import timedelta

import pytest
from django.db import transaction

from accounts.models import Tier
from billing.models import TransactionKind, WalletTransaction
from billing.services import buy_subscription, charge_wallet, credit_wallet, debit_wallet, lock_customer
from reservations.expiry import expire_due_reservations
from reservations.models import Status
from reservations.pricing import discount_percent, quote
from reservations.services import end_reservation_by_admin, leave_queue, reserve, return_reservation

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def pay(customer, amount: int, at, kind: str = TransactionKind.SUBSCRIPTION) -> None:
    """Debit `amount` as a reservation or subscription payment made at `at`."""
    with transaction.atomic():
        debit_wallet(customer=lock_customer(customer), amount=amount, kind=kind, reference="test", now=at)


def refund(customer, amount: int, at) -> None:
    with transaction.atomic():
        credit_wallet(
            customer=lock_customer(customer), amount=amount, kind=TransactionKind.REFUND, reference="test", now=at
        )


def read_books(customer, make_book, count: int, at) -> list:
    """Reserve `count` different free books for one day each, starting at `at`."""
    return [reserve(customer=customer, book=make_book(units=1), days=1, now=at) for _ in range(count)]


# --- R6: the base price ---------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 7, 14])
def test_base_price_is_1000_a_day_and_no_history_means_no_discount_R6_R7(make_customer, now, days):
    customer = make_customer(Tier.PREMIUM)
    priced = quote(customer, days, now)
    assert (priced.base, priced.discount, priced.price) == (1_000 * days, 0, 1_000 * days)


# --- R7: 100% for paying more than 300,000 in 60 days ----------------------------------------


def test_paying_more_than_300000_in_60_days_earns_100_percent_R7(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=1_000_000)
    pay(customer, 300_001, now - 59 * DAY)
    assert discount_percent(customer, now) == 100
    assert quote(customer, 5, now).price == 0


def test_paying_exactly_300000_is_not_more_than_300000_R7(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=1_000_000)
    pay(customer, 200_000, now - 30 * DAY, kind=TransactionKind.SUBSCRIPTION)
    pay(customer, 100_000, now - DAY, kind=TransactionKind.RESERVATION)
    assert discount_percent(customer, now) == 0
    pay(customer, 1, now - DAY, kind=TransactionKind.RESERVATION)
    assert discount_percent(customer, now) == 100  # reservation and subscription debits add up


def test_payments_older_than_60_days_do_not_count_R7(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=1_000_000)
    pay(customer, 400_000, now - 60 * DAY - timedelta(seconds=1))
    assert discount_percent(customer, now) == 0
    # The same payment is inside the window when priced a little earlier.
    assert discount_percent(customer, now - timedelta(seconds=1)) == 100


def test_payments_after_now_do_not_count_R7(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=1_000_000)
    pay(customer, 400_000, now + DAY)
    assert discount_percent(customer, now) == 0


def test_refunds_are_subtracted_from_paid_R7(make_customer, now):
    """350,000 paid − 60,000 refunded = 290,000: not more than 300,000."""
    customer = make_customer(Tier.PLUS, balance=1_000_000)
    pay(customer, 350_000, now - 20 * DAY)
    refund(customer, 60_000, now - 10 * DAY)
    assert discount_percent(customer, now) == 0


def test_wallet_charges_are_not_payments_R7(make_customer, now):
    customer = make_customer(Tier.PLUS)
    charge_wallet(customer=customer, amount=5_000_000, now=now - DAY)
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.CHARGE).exists()
    assert discount_percent(customer, now) == 0


def test_subscription_purchases_count_as_paid_R7_R18(make_customer, now):
    customer = make_customer(Tier.FREE, balance=400_000)
    buy_subscription(customer=customer, tier=Tier.PREMIUM, months=2, now=now - 10 * DAY)
    assert discount_percent(customer, now) == 100
    # Sixty days after the purchase it no longer counts.
    assert discount_percent(customer, now + 51 * DAY) == 0


def test_upgrade_refund_is_subtracted_from_paid_R7_R18(make_customer, now):
    """Plus × 6 (300,000) then Premium (200,000) with 170 unused Plus days refunded (283,333)."""
    customer = make_customer(Tier.FREE, balance=500_000)
    buy_subscription(customer=customer, tier=Tier.PLUS, months=6, now=now - 20 * DAY)
    purchase = buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now - 10 * DAY)
    assert purchase.refunded == 283_333
    assert discount_percent(customer, now) == 0  # 300,000 + 200,000 − 283,333 = 216,667


def test_reserve_stores_the_100_percent_price_and_discount_R7(make_customer, make_book, now, assert_wallet_consistent):
    customer = make_customer(Tier.FREE, balance=400_000)
    buy_subscription(customer=customer, tier=Tier.PREMIUM, months=2, now=now - 10 * DAY)
    reservation = reserve(customer=customer, book=make_book(units=1), days=14, now=now)
    assert (reservation.status, reservation.price, reservation.discount) == (Status.ACTIVE, 0, 100)
    reservation.refresh_from_db()
    assert (reservation.price, reservation.discount) == (0, 100)
    customer.refresh_from_db()
    assert customer.balance == 0
    assert_wallet_consistent(customer)


# --- R7: 30% for reading more than 3 books in 30 days ----------------------------------------


def test_reading_more_than_3_books_in_30_days_earns_30_percent_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=100_000)
    read_books(customer, make_book, 4, now - 29 * DAY)
    assert discount_percent(customer, now) == 30
    assert quote(customer, 7, now).price == 4_900


def test_reading_exactly_3_books_earns_nothing_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=100_000)
    read_books(customer, make_book, 3, now - 5 * DAY)
    assert discount_percent(customer, now) == 0


def test_the_same_book_twice_counts_once_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=100_000)
    first, _, _ = read_books(customer, make_book, 3, now - 10 * DAY)
    return_reservation(customer=customer, reservation=first, now=now - 9 * DAY)
    reserve(customer=customer, book=first.book, days=1, now=now - 5 * DAY)
    assert customer.reservations.exclude(status=Status.QUEUED).count() == 4
    assert discount_percent(customer, now) == 0


def test_reservations_started_more_than_30_days_ago_do_not_count_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=100_000)
    read_books(customer, make_book, 1, now - 30 * DAY - timedelta(seconds=1))
    read_books(customer, make_book, 3, now - 10 * DAY)
    assert discount_percent(customer, now) == 0
    # Priced a second earlier, the old loan is inside the window again.
    assert discount_percent(customer, now - timedelta(seconds=1)) == 30


def test_queued_cancelled_and_dropped_entries_are_not_read_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=3_000)
    holder = make_customer(Tier.PLUS, balance=100_000)
    queued_book, cancelled_book, dropped_book = (make_book(units=1) for _ in range(3))
    for book in (queued_book, cancelled_book, dropped_book):
        reserve(customer=holder, book=book, days=7, now=now - 12 * DAY)
    # Each queue entry needs the price in the wallet when it is made (R12), nothing is charged.
    queued = reserve(customer=customer, book=queued_book, days=1, now=now - 11 * DAY)
    cancelled = reserve(customer=customer, book=cancelled_book, days=1, now=now - 11 * DAY)
    dropped = reserve(customer=customer, book=dropped_book, days=1, now=now - 11 * DAY)
    leave_queue(customer=customer, reservation=cancelled, now=now - 10 * DAY)
    read_books(customer, make_book, 3, now - 9 * DAY)  # empties the wallet
    holding = holder.reservations.get(book=dropped_book)
    return_reservation(customer=holder, reservation=holding, now=now - 8 * DAY)  # the promotion cannot pay

    for entry, status in ((queued, Status.QUEUED), (cancelled, Status.CANCELLED), (dropped, Status.DROPPED)):
        entry.refresh_from_db()
        assert entry.status == status
    assert discount_percent(customer, now) == 0


def test_returned_expired_and_admin_ended_loans_are_read_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=100_000)
    returned, expired, ended, _active = read_books(customer, make_book, 4, now - 10 * DAY)
    return_reservation(customer=customer, reservation=returned, now=now - 10 * DAY + timedelta(hours=1))
    end_reservation_by_admin(reservation=ended, now=now - 10 * DAY + timedelta(hours=2))
    expire_due_reservations(now=now - 5 * DAY)  # also expires the fourth loan
    statuses = {reservation.status for reservation in customer.reservations.all()}
    assert statuses == {Status.RETURNED, Status.EXPIRED, Status.ENDED_BY_ADMIN}
    expired.refresh_from_db()
    assert expired.status == Status.EXPIRED
    assert discount_percent(customer, now) == 30


def test_active_loans_are_read_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=100_000)
    read_books(customer, make_book, 4, now - timedelta(hours=1))
    assert set(customer.reservations.values_list("status", flat=True)) == {Status.ACTIVE}
    assert discount_percent(customer, now) == 30


def test_reserve_stores_the_30_percent_price_and_discount_R7(make_customer, make_book, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=100_000)
    read_books(customer, make_book, 4, now - 5 * DAY)
    reservation = reserve(customer=customer, book=make_book(units=1), days=5, now=now)
    reservation.refresh_from_db()
    assert (reservation.price, reservation.discount) == (3_500, 30)
    row = WalletTransaction.objects.filter(customer=customer).order_by("-id").first()
    assert (row.kind, row.amount) == (TransactionKind.RESERVATION, -3_500)
    customer.refresh_from_db()
    assert customer.balance == 100_000 - 4 * 1_000 - 3_500
    assert_wallet_consistent(customer)


# --- R7: the larger discount only, rounded down ----------------------------------------------


def test_100_percent_wins_over_30_percent_R7(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=1_000_000)
    read_books(customer, make_book, 4, now - 5 * DAY)
    assert discount_percent(customer, now) == 30
    pay(customer, 300_001, now - DAY)
    assert discount_percent(customer, now) == 100
    assert quote(customer, 7, now).price == 0


def test_price_is_base_times_remaining_percent_floored_R6_R7(make_customer, make_book, now):
    """With R6 prices (a multiple of 1,000) a 30% discount is always whole: flooring never bites.

    The formula is still checked to be integer arithmetic: an int, never a float.
    """
    customer = make_customer(Tier.PREMIUM, balance=100_000)
    read_books(customer, make_book, 4, now - 5 * DAY)
    for days in range(1, 15):
        priced = quote(customer, days, now)
        assert priced.discount == 30
        assert priced.price == priced.base * (100 - 30) // 100 == 700 * days
        assert type(priced.price) is int and type(priced.base) is int
