"""reservations.services.reserve: who may reserve, for how many days, how many at once, at what charge (R1–R12)."""

from datetime import timedelta

import pytest

from accounts.models import Tier
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind, WalletTransaction
from reservations.exceptions import (
    AlreadyReserved,
    InvalidDays,
    ReservationLimitReached,
    SubscriptionRequired,
)
from reservations.models import Reservation, Status
from reservations.services import (
    leave_queue,
    reserve,
    return_reservation,
)
from reservations.tests.conftest import (
    DAY,
    HOUR,
    MINUTE,
    assert_book_consistent,
    fill_active_limit,
    ledger_rows,
)

pytestmark = pytest.mark.django_db


# R1, R5 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "ends_in"),
    [(Tier.FREE, timedelta(days=30)), (Tier.PLUS, -DAY), (Tier.PREMIUM, timedelta(0))],
    ids=["free", "plus_ended", "premium_ending_now"],
)
def test_customer_without_subscription_in_force_cannot_reserve_R1_R5(make_customer, make_book, now, tier, ends_in):
    """Free customers, and paid ones whose subscription has ended, are refused with 403."""
    customer = make_customer(tier, balance=10_000, ends_in=ends_in)
    book = make_book(units=1)
    with pytest.raises(SubscriptionRequired) as info:
        reserve(customer=customer, book=book, days=1, now=now)
    assert info.value.status == 403
    assert info.value.code == "subscription_required"
    assert not Reservation.objects.exists()
    assert ledger_rows(customer) == 1  # only the funding row
    book.refresh_from_db()
    assert book.units_on_loan == 0


def test_free_customer_cannot_queue_either_R1(make_customer, occupied_book, now):
    book, _, _ = occupied_book
    customer = make_customer(Tier.FREE, balance=10_000)
    with pytest.raises(SubscriptionRequired):
        reserve(customer=customer, book=book, days=1, now=now)
    assert not Reservation.objects.filter(customer=customer).exists()


# R4 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "days"),
    [
        (Tier.PLUS, 0),
        (Tier.PLUS, -1),
        (Tier.PLUS, 8),
        (Tier.PREMIUM, 15),
        (Tier.PLUS, "3"),
        (Tier.PLUS, 2.5),
        (Tier.PLUS, 3.0),
        (Tier.PLUS, True),
        (Tier.PLUS, None),
    ],
)
def test_days_outside_tier_range_or_not_whole_number_is_refused_R4(make_customer, make_book, now, tier, days):
    customer = make_customer(tier, balance=100_000)
    book = make_book(units=1)
    with pytest.raises(InvalidDays) as info:
        reserve(customer=customer, book=book, days=days, now=now)
    assert info.value.status == 400
    assert info.value.code == "invalid_days"
    assert not Reservation.objects.exists()
    assert ledger_rows(customer) == 1


@pytest.mark.parametrize(("tier", "days"), [(Tier.PLUS, 7), (Tier.PREMIUM, 14), (Tier.PLUS, 1)])
def test_days_up_to_tier_maximum_are_accepted_R2_R3_R4(make_customer, make_book, now, tier, days):
    customer = make_customer(tier, balance=100_000)
    reservation = reserve(customer=customer, book=make_book(units=1), days=days, now=now)
    assert reservation.status == Status.ACTIVE
    assert reservation.ends_at == now + DAY * days


def test_days_refusal_names_the_customers_own_tier_limit_R4(make_customer, make_book, now):
    """A Plus customer asking for 30 days is told 7 is the limit, not Premium's 14."""
    customer = make_customer("plus", balance=100_000)
    with pytest.raises(InvalidDays) as refused:
        reserve(customer=customer, book=make_book(), days=30, now=now)
    assert "1 to 7" in refused.value.message


# R2, R3, R10, R12, R16 --------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "limit"), [(Tier.PLUS, 5), (Tier.PREMIUM, 10)])
def test_instant_reserve_beyond_active_limit_is_refused_R2_R3_R10(
    make_customer, make_book, now, assert_wallet_consistent, tier, limit
):
    customer = make_customer(tier, balance=200_000)
    fill_active_limit(customer, limit, make_book, now)
    customer.refresh_from_db()
    balance, rows = customer.balance, ledger_rows(customer)
    book = make_book(units=1)

    with pytest.raises(ReservationLimitReached) as info:
        reserve(customer=customer, book=book, days=1, now=now + MINUTE)

    assert info.value.status == 409
    assert info.value.code == "reservation_limit_reached"
    assert not Reservation.objects.filter(book=book).exists()
    customer.refresh_from_db()
    assert (customer.balance, ledger_rows(customer)) == (balance, rows)
    assert_wallet_consistent(customer)
    assert_book_consistent(book)


def test_overdue_unswept_reservations_do_not_count_toward_limit_R10_R16(
    make_customer, make_book, now, assert_wallet_consistent
):
    """Five loans past their end (worker late) leave room for a new one."""
    customer = make_customer(Tier.PLUS, balance=100_000)
    fill_active_limit(customer, 5, make_book, now - timedelta(days=10), days=3)
    assert Reservation.objects.filter(customer=customer, status=Status.ACTIVE).count() == 5

    book = make_book(units=1)
    reservation = reserve(customer=customer, book=book, days=1, now=now)

    assert reservation.status == Status.ACTIVE
    assert_wallet_consistent(customer)
    assert_book_consistent(book)


def test_queueing_is_allowed_at_the_active_limit_R12(make_customer, make_book, occupied_book, now):
    """The tier limit is checked when a unit is handed over, not when joining a queue."""
    book, _, _ = occupied_book
    customer = make_customer(Tier.PLUS, balance=100_000)
    fill_active_limit(customer, 5, make_book, now)

    queued = reserve(customer=customer, book=book, days=2, now=now + MINUTE)

    assert queued.status == Status.QUEUED


# R8 -------------------------------------------------------------------------------------


def test_second_reservation_of_a_held_book_is_refused_R8(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    book = make_book(units=2)
    reserve(customer=customer, book=book, days=1, now=now)
    with pytest.raises(AlreadyReserved) as info:
        reserve(customer=customer, book=book, days=1, now=now + MINUTE)
    assert info.value.status == 409
    assert info.value.code == "already_reserved"
    assert Reservation.objects.filter(customer=customer, book=book).count() == 1
    customer.refresh_from_db()
    assert customer.balance == 9_000


def test_second_reservation_of_a_queued_book_is_refused_R8(make_customer, occupied_book, now):
    book, _, _ = occupied_book
    customer = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=customer, book=book, days=1, now=now)
    with pytest.raises(AlreadyReserved):
        reserve(customer=customer, book=book, days=2, now=now + MINUTE)
    assert Reservation.objects.filter(customer=customer, book=book).count() == 1


def test_book_can_be_reserved_again_after_return_or_leaving_R8(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    queued = reserve(customer=waiter, book=book, days=1, now=now)
    leave_queue(customer=waiter, reservation=queued, now=now + MINUTE)
    again = reserve(customer=waiter, book=book, days=1, now=now + 2 * MINUTE)
    assert again.status == Status.QUEUED

    leave_queue(customer=waiter, reservation=again, now=now + 3 * MINUTE)
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    renewed = reserve(customer=holder, book=book, days=1, now=now + 2 * HOUR)
    assert renewed.status == Status.ACTIVE
    assert_book_consistent(book)


# R9 -------------------------------------------------------------------------------------


def test_instant_reserve_starts_now_and_debits_the_price_R6_R9(make_customer, make_book, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=10_000)
    book = make_book(units=2)

    reservation = reserve(customer=customer, book=book, days=3, now=now)

    reservation.refresh_from_db()
    assert reservation.status == Status.ACTIVE
    assert reservation.requested_at == reservation.starts_at == now
    assert reservation.ends_at == now + 3 * DAY
    assert (reservation.price, reservation.discount) == (3_000, 0)
    customer.refresh_from_db()
    assert customer.balance == 7_000
    row = WalletTransaction.objects.filter(customer=customer).first()
    assert (row.kind, row.amount, row.balance_after, row.created_at) == (
        TransactionKind.RESERVATION,
        -3_000,
        7_000,
        now,
    )
    book.refresh_from_db()
    assert book.units_on_loan == 1
    assert_wallet_consistent(customer)
    assert_book_consistent(book)


def test_book_without_units_queues_the_request_R9_R12(make_customer, make_book, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=10_000)
    book = make_book(units=0)

    reservation = reserve(customer=customer, book=book, days=3, now=now)

    assert reservation.status == Status.QUEUED
    assert reservation.starts_at is None and reservation.price is None
    customer.refresh_from_db()
    assert customer.balance == 10_000
    assert not WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.RESERVATION).exists()
    assert_wallet_consistent(customer)
    assert_book_consistent(book)


# R11 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("units", [1, 0], ids=["instant", "queued"])
def test_short_wallet_is_refused_with_shortfall_and_nothing_changes_R11(make_customer, make_book, now, units):
    customer = make_customer(Tier.PLUS, balance=2_000)
    book = make_book(units=units)

    with pytest.raises(InsufficientFunds) as info:
        reserve(customer=customer, book=book, days=3, now=now)

    assert info.value.status == 402
    assert info.value.code == "insufficient_funds"
    assert info.value.shortfall == 1_000
    assert info.value.as_dict()["shortfall"] == 1_000
    assert not Reservation.objects.exists()
    customer.refresh_from_db()
    assert customer.balance == 2_000
    assert ledger_rows(customer) == 1
    book.refresh_from_db()
    assert book.units_on_loan == 0
