"""Reads for pages and the API: queue order, positions, estimated waits, holders (R12, R14, R25)."""

from datetime import timedelta

import pytest

from accounts.models import Tier
from reservations.models import Status
from reservations.selectors import estimated_wait, holders_and_queue, holders_of, position_in_queue, queue_for
from reservations.services import leave_queue, reserve

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@pytest.fixture
def held_book(make_customer, make_book, now):
    """A one-unit book held for 3 days from `now`: (book, loan)."""
    book = make_book(units=1)
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    return book, loan


def test_premium_is_ahead_of_earlier_plus_R12_R14(make_customer, held_book, now):
    book, _ = held_book
    plus = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now + MINUTE)
    premium = reserve(customer=make_customer(Tier.PREMIUM, balance=10_000), book=book, days=1, now=now + 2 * MINUTE)
    later_plus = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now + 3 * MINUTE)

    at = now + 4 * MINUTE
    assert [position_in_queue(r, at) for r in (premium, plus, later_plus)] == [1, 2, 3]
    assert list(queue_for(book, at)) == [premium, plus, later_plus]


def test_position_is_recomputed_as_tiers_change_R12_R14(make_customer, held_book, now):
    """A Premium whose subscription lapses falls behind the Plus customers who asked earlier."""
    book, _ = held_book
    plus = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now + MINUTE)
    lapsing_premium = make_customer(Tier.PREMIUM, balance=10_000, ends_in=DAY)
    premium = reserve(customer=lapsing_premium, book=book, days=1, now=now + 2 * MINUTE)

    assert (position_in_queue(premium, now + 3 * MINUTE), position_in_queue(plus, now + 3 * MINUTE)) == (1, 2)
    later = now + 2 * DAY
    assert (position_in_queue(premium, later), position_in_queue(plus, later)) == (2, 1)
    assert list(queue_for(book, later)) == [plus, premium]


def test_position_moves_up_when_someone_ahead_leaves_R14(make_customer, held_book, now):
    book, _ = held_book
    first_customer = make_customer(Tier.PLUS, balance=10_000)
    first = reserve(customer=first_customer, book=book, days=1, now=now + MINUTE)
    second = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now + 2 * MINUTE)
    assert position_in_queue(second, now + 3 * MINUTE) == 2

    leave_queue(customer=first_customer, reservation=first, now=now + 3 * MINUTE)

    first.refresh_from_db()
    assert position_in_queue(second, now + 4 * MINUTE) == 1
    assert position_in_queue(first, now + 4 * MINUTE) is None


def test_position_is_none_for_an_active_reservation_R14(held_book, now):
    _, loan = held_book
    assert position_in_queue(loan, now) is None
    assert estimated_wait(loan, now) is None


def test_estimated_wait_is_none_for_a_book_without_units_R14(make_customer, make_book, now):
    book = make_book(units=0)
    entry = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now)
    assert position_in_queue(entry, now) == 1
    assert estimated_wait(entry, now) is None


def test_first_in_queue_waits_until_the_soonest_holder_ends_R14(make_customer, make_book, now):
    book = make_book(units=2)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    entry = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now + MINUTE)

    assert estimated_wait(entry, now + MINUTE) == 3 * DAY - MINUTE
    assert estimated_wait(entry, now + DAY) == 2 * DAY


def test_second_in_queue_waits_for_the_second_soonest_holder_R14(make_customer, make_book, now):
    book = make_book(units=2)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now)
    second = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now + MINUTE)

    assert estimated_wait(second, now) == 5 * DAY


def test_position_beyond_holder_count_adds_rounds_of_loans_ahead_R14(make_customer, held_book, now):
    """Place 2 with one unit: the holder's remaining time plus the days asked by the entry ahead."""
    book, _ = held_book
    first = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=4, now=now)
    second = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now + MINUTE)

    assert estimated_wait(first, now) == 3 * DAY
    assert estimated_wait(second, now) == 3 * DAY + 4 * DAY
    assert estimated_wait(second, now + DAY) == 2 * DAY + 4 * DAY


def test_holders_are_listed_soonest_end_first_without_overdue_ones_R16_R25(make_customer, make_book, now):
    book = make_book(units=3)
    long = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=6, now=now)
    short = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
    # Reserved "in the past" last, so no later reserve sweeps it: overdue but still active.
    overdue = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now - 2 * DAY)
    assert overdue.status == Status.ACTIVE

    holders = list(holders_of(book, now))

    assert holders == [short, long]
    assert overdue not in holders


def test_holders_and_queue_entries_carry_customer_tier_days_and_price_R25(make_customer, make_book, held_book, now):
    """A holder shows the price charged; a queued entry the price it would be charged now (R7)."""
    book, loan = held_book
    plus = make_customer(Tier.PLUS, balance=10_000)
    plus_entry = reserve(customer=plus, book=book, days=2, now=now + MINUTE)
    reader = make_customer(Tier.PREMIUM, balance=100_000)
    reader_entry = reserve(customer=reader, book=book, days=5, now=now + 2 * MINUTE)
    # Four books read after queueing: the reader now earns 30% off (R7).
    for _ in range(4):
        reserve(customer=reader, book=make_book(units=1), days=1, now=now + 3 * MINUTE)

    view = holders_and_queue(book, now + 4 * MINUTE)

    [holder] = view["holders"]
    assert holder.reservation == loan
    assert (holder.customer, holder.tier, holder.days, holder.price) == (
        loan.customer.user.username,
        Tier.PLUS,
        3,
        3_000,
    )
    assert [e.reservation for e in view["queue"]] == [reader_entry, plus_entry]
    premium_row, plus_row = view["queue"]
    assert (premium_row.customer, premium_row.tier, premium_row.days, premium_row.price) == (
        reader.user.username,
        Tier.PREMIUM,
        5,
        3_500,
    )
    assert (plus_row.customer, plus_row.tier, plus_row.days, plus_row.price) == (
        plus.user.username,
        Tier.PLUS,
        2,
        2_000,
    )


def test_holders_and_queue_shows_the_tier_in_force_not_the_stored_one_R5_R25(make_customer, held_book, now):
    book, _ = held_book
    lapsing = make_customer(Tier.PREMIUM, balance=10_000, ends_in=DAY)
    reserve(customer=lapsing, book=book, days=1, now=now + MINUTE)

    [entry] = holders_and_queue(book, now + 2 * DAY)["queue"]

    assert entry.tier == Tier.FREE
