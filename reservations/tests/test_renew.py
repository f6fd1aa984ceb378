"""Renewing a loan through reservations.renewals.renew (R29) and its notification (R32)."""

from datetime import timedelta

import pytest
from django.utils import translation

from accounts.models import Notification, Tier
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind, WalletTransaction
from core.formatting import local_time
from reservations.exceptions import (
    BookHasQueue,
    InvalidDays,
    NotReservationOwner,
    RenewalLimitReached,
    ReservationNotActive,
    SubscriptionRequired,
)
from reservations.models import MAX_RENEWALS, Reservation, Status
from reservations.renewals import renew, whole_loan_discount
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import DAY, HOUR, assert_book_consistent, ledger_rows

pytestmark = pytest.mark.django_db


def snapshot(loan: Reservation) -> dict:
    """What a refused renewal must leave as it was: the loan, the wallet, the ledger, the notices."""
    loan.refresh_from_db()
    customer = loan.customer
    customer.refresh_from_db()
    return {
        "loan": (loan.status, loan.days, loan.ends_at, loan.price, loan.discount, loan.renewals),
        "balance": customer.balance,
        "ledger": ledger_rows(customer),
        "notices": Notification.objects.filter(user=customer.user).count(),
    }


@pytest.fixture
def loan(plus, make_book, now):
    """A 3-day loan of a one-unit book by a Plus customer with 50,000 toman: 3,000 paid."""
    return reserve(customer=plus, book=make_book(units=1, title="Suvashun"), days=3, now=now)


def test_a_renewal_extends_the_loan_and_pays_from_the_wallet_R29(plus, loan, now, assert_wallet_consistent):
    renewed = renew(customer=plus, reservation=loan, days=4, now=now + DAY)

    renewed.refresh_from_db()
    assert renewed.status == Status.ACTIVE
    assert renewed.ends_at == now + 7 * DAY
    assert renewed.starts_at == now
    assert (renewed.days, renewed.price, renewed.discount, renewed.renewals) == (7, 7_000, 0, 1)
    row = WalletTransaction.objects.filter(customer=plus).latest("id")
    assert (row.kind, row.amount, row.created_at) == (TransactionKind.RESERVATION, -4_000, now + DAY)
    assert row.reference == "Renewal of “\u2068Suvashun\u2069” × 4 days"
    plus.refresh_from_db()
    assert plus.balance == 50_000 - 3_000 - 4_000
    assert_wallet_consistent(plus)
    assert_book_consistent(loan.book)


def test_a_renewal_notifies_the_customer_in_english_R32(plus, loan, now):
    renewed = renew(customer=plus, reservation=loan, days=2, now=now + HOUR)

    notice = Notification.objects.get(user=plus.user, kind=Notification.Kind.RENEWED)
    with translation.override("en"):
        ends = local_time(renewed.ends_at)
    assert notice.message == f"Your loan of “Suvashun” is renewed until {ends}; 2,000 toman was paid from your wallet."


def test_a_renewal_is_told_and_written_in_persian_for_a_persian_reader_R32_R40(make_customer, make_book, now):
    reader = make_customer(Tier.PLUS, balance=50_000, user__language="fa")
    loan = reserve(customer=reader, book=make_book(units=1, title="کلیدر"), days=3, now=now)

    renewed = renew(customer=reader, reservation=loan, days=5, now=now + HOUR)

    with translation.override("fa"):
        ends = local_time(renewed.ends_at)
    assert ends.startswith("۱۴")  # Jalali, in Persian digits
    notice = Notification.objects.get(user=reader.user, kind=Notification.Kind.RENEWED)
    assert notice.message == f"امانت «کلیدر» تا {ends} تمدید شد؛ ۵٬۰۰۰ تومان از کیف پولتان کسر شد."
    row = WalletTransaction.objects.filter(customer=reader).latest("id")
    assert row.reference == "تمدید «\u2068کلیدر\u2069» × ۵ روز"


def test_a_renewal_is_priced_at_renewal_time_and_the_discount_is_the_whole_loans_R7_R29(
    plus, make_book, now, assert_wallet_consistent
):
    """First charge at 0%, the renewal at 30% (four books read by then): the loan is 17% off in all."""
    loan = reserve(customer=plus, book=make_book(units=1), days=3, now=now)
    for _ in range(3):
        reserve(customer=plus, book=make_book(units=1), days=1, now=now)

    renewed = renew(customer=plus, reservation=loan, days=4, now=now + HOUR)

    assert (renewed.price, renewed.days) == (3_000 + 2_800, 7)
    assert renewed.discount == 17  # (0 × 3 + 30 × 4) ÷ 7 = 17.1
    row = WalletTransaction.objects.filter(customer=plus).latest("id")
    assert row.amount == -2_800 and row.reference.endswith("× 4 days (−30%)")
    assert_wallet_consistent(plus)


@pytest.mark.parametrize(
    ("days", "price", "added", "charged", "expected"),
    [
        (3, 3_000, 4, 4_000, 0),  # 0% then 0%
        (3, 2_100, 4, 2_800, 30),  # 30% then 30%: a loan's own percent stays
        (3, 0, 4, 4_000, 43),  # 100% then 0%: (300 + 0) ÷ 7 = 42.9
        (7, 4_900, 7, 7_000, 15),  # 30% then 0%
        (1, 1_000, 1, 0, 50),  # 0% then 100%
    ],
)
def test_the_whole_loans_discount_is_the_days_weighted_mean_rounded_R29(days, price, added, charged, expected):
    assert whole_loan_discount(Reservation(days=days, price=price), added, charged) == expected


def test_a_loan_is_renewed_at_most_twice_R29(plus, loan, now):
    renew(customer=plus, reservation=loan, days=7, now=now + HOUR)
    renewed = renew(customer=plus, reservation=loan, days=7, now=now + 2 * HOUR)
    assert (renewed.renewals, renewed.days) == (MAX_RENEWALS, 17)
    before = snapshot(loan)

    with pytest.raises(RenewalLimitReached) as refused:
        renew(customer=plus, reservation=loan, days=1, now=now + 3 * HOUR)

    assert refused.value.code == "renewal_limit_reached" and refused.value.status == 409
    assert snapshot(loan) == before


def test_premium_renews_by_up_to_fourteen_days_R3_R29(make_customer, make_book, now):
    premium = make_customer(Tier.PREMIUM, balance=100_000)
    loan = reserve(customer=premium, book=make_book(units=1), days=14, now=now)
    renew(customer=premium, reservation=loan, days=14, now=now + HOUR)
    renewed = renew(customer=premium, reservation=loan, days=14, now=now + 2 * HOUR)
    assert (renewed.days, renewed.ends_at, renewed.price) == (42, now + 42 * DAY, 42_000)


@pytest.mark.parametrize("days", [0, 8, -1, 15, True, "3"])
def test_days_out_of_the_tiers_range_are_refused_with_nothing_changed_R4_R29(plus, loan, now, days):
    before = snapshot(loan)
    with pytest.raises(InvalidDays) as refused:
        renew(customer=plus, reservation=loan, days=days, now=now + HOUR)
    assert refused.value.code == "invalid_days" and refused.value.status == 400
    assert snapshot(loan) == before


def test_someone_waiting_for_the_book_blocks_a_renewal_R29(plus, loan, make_customer, now):
    waiting = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=waiting, book=loan.book, days=2, now=now + HOUR)
    before = snapshot(loan)

    with pytest.raises(BookHasQueue) as refused:
        renew(customer=plus, reservation=loan, days=2, now=now + 2 * HOUR)

    assert refused.value.code == "book_has_queue" and refused.value.status == 409
    assert snapshot(loan) == before


def test_a_paused_place_does_not_block_a_renewal_R29_R30(plus, loan, make_customer, now):
    paused = make_customer(Tier.PLUS, balance=10_000)
    Reservation.objects.create(
        customer=paused, book=loan.book, days=2, requested_at=now, status=Status.QUEUED, paused_until=now + 5 * DAY
    )

    renewed = renew(customer=plus, reservation=loan, days=2, now=now + HOUR)

    assert renewed.renewals == 1 and renewed.ends_at == now + 5 * DAY


def test_a_pause_whose_moment_has_come_blocks_a_renewal_R29_R30(plus, loan, make_customer, now):
    """The place counts as resumed at its date, whether or not the worker cleared it yet."""
    paused = make_customer(Tier.PLUS, balance=10_000)
    Reservation.objects.create(
        customer=paused, book=loan.book, days=2, requested_at=now, status=Status.QUEUED, paused_until=now + DAY
    )
    with pytest.raises(BookHasQueue):
        renew(customer=plus, reservation=loan, days=2, now=now + DAY)


def test_a_free_customer_cannot_renew_R1_R29(make_customer, make_book, now):
    """The subscription ended during the loan: the loan runs on, but is not renewed."""
    customer = make_customer(Tier.PLUS, balance=10_000, ends_in=timedelta(days=2))
    loan = reserve(customer=customer, book=make_book(units=1), days=7, now=now)
    before = snapshot(loan)

    with pytest.raises(SubscriptionRequired) as refused:
        renew(customer=customer, reservation=loan, days=1, now=now + 3 * DAY)

    assert refused.value.code == "subscription_required" and refused.value.status == 403
    assert snapshot(loan) == before


def test_a_queued_reservation_is_not_renewed_R29(plus, loan, make_customer, now):
    other = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=other, book=loan.book, days=2, now=now)
    with pytest.raises(ReservationNotActive) as refused:
        renew(customer=other, reservation=entry, days=2, now=now + HOUR)
    assert refused.value.code == "reservation_not_active" and refused.value.status == 409
    entry.refresh_from_db()
    assert entry.status == Status.QUEUED and entry.renewals == 0


def test_an_ended_loan_is_not_renewed_R29(plus, loan, now):
    return_reservation(customer=plus, reservation=loan, now=now + HOUR)
    before = snapshot(loan)
    with pytest.raises(ReservationNotActive):
        renew(customer=plus, reservation=loan, days=2, now=now + 2 * HOUR)
    assert snapshot(loan) == before


def test_a_loan_past_its_end_is_not_renewed_even_before_the_worker_ends_it_R16_R29(plus, loan, now):
    before = snapshot(loan)
    with pytest.raises(ReservationNotActive):
        renew(customer=plus, reservation=loan, days=2, now=loan.ends_at)
    assert snapshot(loan) == before


def test_another_customers_loan_is_refused_R29(plus, loan, make_customer, now):
    other = make_customer(Tier.PLUS, balance=10_000)
    before = snapshot(loan)
    with pytest.raises(NotReservationOwner):
        renew(customer=other, reservation=loan, days=2, now=now + HOUR)
    assert snapshot(loan) == before


def test_a_wallet_short_of_the_price_is_refused_with_the_shortfall_R11_R29(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=5_000)
    loan = reserve(customer=customer, book=make_book(units=1), days=3, now=now)  # 2,000 left
    before = snapshot(loan)

    with pytest.raises(InsufficientFunds) as refused:
        renew(customer=customer, reservation=loan, days=5, now=now + HOUR)

    assert refused.value.status == 402 and refused.value.shortfall == 3_000
    assert snapshot(loan) == before
