"""Serving a queue when a loan ends (R12, R13): who is served first, at what price and discount, and who is dropped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification, Tier
from billing.models import TransactionKind, WalletTransaction
from billing.services import buy_subscription
from reservations.models import EndReason, Status
from reservations.services import (
    reserve,
    return_reservation,
)
from reservations.tests.conftest import (
    DAY,
    HOUR,
    MINUTE,
    assert_book_consistent,
    assert_dropped,
    assert_promoted,
    fill_active_limit,
    notified,
)

pytestmark = pytest.mark.django_db


# R12: the order --------------------------------------------------------------------------


def test_returned_unit_goes_to_first_in_queue_at_release_price_and_discount_R7_R13(
    make_customer, make_book, occupied_book, now, assert_wallet_consistent
):
    """The promoted loan starts at the release and is priced with the discount earned by then."""
    book, holder, loan = occupied_book
    reader = make_customer(Tier.PREMIUM, balance=100_000)
    queued = reserve(customer=reader, book=book, days=10, now=now)
    # Four other books read after queueing earn the 30% discount (R7) by the release.
    fill_active_limit(reader, 4, make_book, now + MINUTE, days=1)
    released_at = now + 2 * HOUR

    return_reservation(customer=holder, reservation=loan, now=released_at)

    queued.refresh_from_db()
    assert queued.status == Status.ACTIVE
    assert queued.starts_at == released_at
    assert queued.ends_at == released_at + 10 * DAY
    assert (queued.price, queued.discount) == (7_000, 30)
    charge = WalletTransaction.objects.filter(customer=reader).first()
    assert (charge.amount, charge.created_at, charge.kind) == (-7_000, released_at, TransactionKind.RESERVATION)
    reader.refresh_from_db()
    assert reader.balance == 100_000 - 4_000 - 7_000
    assert notified(reader, Notification.Kind.PROMOTED)
    assert_wallet_consistent(reader)
    assert_wallet_consistent(holder)
    assert_book_consistent(book)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")
def test_finding_the_first_in_queue_walks_the_queue_index_and_sorts_nothing_R12_issue_8(
    make_customer, occupied_book, now
):
    """The queue index holds the whole order (requested_at, then id), so both heads (the
    earliest Premium entry, the earliest entry) stop at their first match whatever the
    planner guesses of the queue's length. With a sort above the index, a prepared
    statement's generic plan sorted all 10,000 (make bench). The head found is then read
    by its id with its customer locked: two statements (issue 16).

    Observed through a return, which serves the queue (R13): the two statements come right
    after the release's last write, and the entry whose row was locked is the one served."""
    book, holder, loan = occupied_book
    entries = [reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now) for _ in range(3)]

    with CaptureQueriesContext(connection) as queries:
        return_reservation(customer=holder, reservation=loan, now=now + MINUTE)

    first = entries[0]
    first.refresh_from_db()
    assert first.status == Status.ACTIVE and first.customer.tier == Tier.PLUS
    sqls = [query["sql"] for query in queries.captured_queries]
    # The first lock is the served entry's; the second, R32's look at the new head (the next entry).
    at, _next_head = [i for i, sql in enumerate(sqls) if sql.endswith('FOR UPDATE OF "accounts_customer"')]
    assert sqls[at - 2].startswith("UPDATE")  # the release's last write, then the lookup
    lookups = sqls[at - 1 : at + 1]
    assert len(lookups) == 2  # no Premium in the queue: the earliest entry
    heads, lock = lookups
    assert heads.startswith("SELECT")
    assert lock.endswith('FOR UPDATE OF "accounts_customer"') and f'"id" = {first.pk}' in lock
    with connection.cursor() as cursor:
        # Rule out the paths that a table as small as a test's may make cheaper: a scan of
        # another index sorted after it is cheaper on a few rows (run alone, with no rows
        # before, the planner took one); it stays the only plan if the index cannot give the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {heads}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("reservation_queue_idx") == 2 and "Sort" not in plan, plan


def test_premium_is_served_before_earlier_plus_R12_R13(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    plus = make_customer(Tier.PLUS, balance=10_000)
    premium = make_customer(Tier.PREMIUM, balance=10_000)
    plus_entry = reserve(customer=plus, book=book, days=1, now=now + MINUTE)
    premium_entry = reserve(customer=premium, book=book, days=1, now=now + 2 * MINUTE)

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)

    premium_entry.refresh_from_db()
    plus_entry.refresh_from_db()
    assert premium_entry.status == Status.ACTIVE
    assert plus_entry.status == Status.QUEUED
    assert_book_consistent(book)


def test_premium_at_request_but_plus_at_release_is_ordered_as_plus_R12(make_customer, occupied_book, now):
    """Priority is decided at the release: a lapsed Premium who bought Plus waits behind earlier Plus."""
    book, holder, loan = occupied_book
    plus = make_customer(Tier.PLUS, balance=10_000)
    former_premium = make_customer(Tier.PREMIUM, balance=60_000, ends_in=DAY)
    plus_entry = reserve(customer=plus, book=book, days=1, now=now + MINUTE)
    former_entry = reserve(customer=former_premium, book=book, days=1, now=now + 2 * MINUTE)
    buy_subscription(customer=former_premium, tier=Tier.PLUS, months=1, now=now + 2 * DAY)
    assert former_premium.tier_at(now + 3 * DAY) == Tier.PLUS

    return_reservation(customer=holder, reservation=loan, now=now + 3 * DAY)

    plus_entry.refresh_from_db()
    former_entry.refresh_from_db()
    assert plus_entry.status == Status.ACTIVE
    assert former_entry.status == Status.QUEUED


# R13: the ones who cannot be served are dropped ------------------------------------------


def test_lapsed_subscription_is_dropped_and_next_served_R5_R13(
    make_customer, occupied_book, now, assert_wallet_consistent
):
    book, holder, loan = occupied_book
    lapsing = make_customer(Tier.PLUS, balance=10_000, ends_in=DAY)
    nxt = make_customer(Tier.PLUS, balance=10_000)
    lapsing_entry = reserve(customer=lapsing, book=book, days=2, now=now + MINUTE)
    next_entry = reserve(customer=nxt, book=book, days=2, now=now + 2 * MINUTE)
    released_at = now + 2 * DAY

    return_reservation(customer=holder, reservation=loan, now=released_at)

    assert_dropped(lapsing_entry, lapsing, EndReason.NO_SUBSCRIPTION, released_at)
    assert_promoted(next_entry, nxt, released_at)
    lapsing.refresh_from_db()
    assert lapsing.balance == 10_000
    for customer in (lapsing, nxt, holder):
        assert_wallet_consistent(customer)
    assert_book_consistent(book)


def test_days_beyond_new_tier_are_dropped_and_next_served_R13(
    make_customer, occupied_book, now, assert_wallet_consistent
):
    """Queued for 10 days as Premium, now Plus (max 7): dropped with days_exceed_tier."""
    book, holder, loan = occupied_book
    former_premium = make_customer(Tier.PREMIUM, balance=70_000, ends_in=DAY)
    nxt = make_customer(Tier.PLUS, balance=10_000)
    long_entry = reserve(customer=former_premium, book=book, days=10, now=now + MINUTE)
    next_entry = reserve(customer=nxt, book=book, days=2, now=now + 2 * MINUTE)
    buy_subscription(customer=former_premium, tier=Tier.PLUS, months=1, now=now + DAY + HOUR)
    released_at = now + 2 * DAY

    return_reservation(customer=holder, reservation=loan, now=released_at)

    assert_dropped(long_entry, former_premium, EndReason.DAYS_EXCEED_TIER, released_at)
    assert_promoted(next_entry, nxt, released_at)
    assert_wallet_consistent(former_premium)
    assert_book_consistent(book)


def test_customer_at_active_limit_is_dropped_and_next_served_R10_R13(
    make_customer, make_book, occupied_book, now, assert_wallet_consistent
):
    book, holder, loan = occupied_book
    busy = make_customer(Tier.PLUS, balance=100_000)
    nxt = make_customer(Tier.PLUS, balance=10_000)
    busy_entry = reserve(customer=busy, book=book, days=2, now=now + MINUTE)
    next_entry = reserve(customer=nxt, book=book, days=2, now=now + 2 * MINUTE)
    fill_active_limit(busy, 5, make_book, now + 3 * MINUTE)
    released_at = now + DAY

    return_reservation(customer=holder, reservation=loan, now=released_at)

    assert_dropped(busy_entry, busy, EndReason.LIMIT_REACHED, released_at)
    assert_promoted(next_entry, nxt, released_at)
    assert_wallet_consistent(busy)
    assert_book_consistent(book)


def test_wallet_that_cannot_pay_at_release_is_dropped_and_next_served_R11_R13(
    make_customer, make_book, occupied_book, now, assert_wallet_consistent
):
    book, holder, loan = occupied_book
    spender = make_customer(Tier.PLUS, balance=2_000)
    nxt = make_customer(Tier.PLUS, balance=10_000)
    spender_entry = reserve(customer=spender, book=book, days=2, now=now + MINUTE)
    next_entry = reserve(customer=nxt, book=book, days=2, now=now + 2 * MINUTE)
    reserve(customer=spender, book=make_book(units=1), days=2, now=now + 3 * MINUTE)  # spends it all
    released_at = now + DAY

    return_reservation(customer=holder, reservation=loan, now=released_at)

    assert_dropped(spender_entry, spender, EndReason.INSUFFICIENT_FUNDS, released_at)
    assert_promoted(next_entry, nxt, released_at)
    spender.refresh_from_db()
    assert spender.balance == 0
    assert_wallet_consistent(spender)
    assert_wallet_consistent(nxt)
    assert_book_consistent(book)


def test_unit_stays_free_when_whole_queue_is_dropped_R13(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    lapsing = make_customer(Tier.PLUS, balance=10_000, ends_in=DAY)
    entry = reserve(customer=lapsing, book=book, days=1, now=now + MINUTE)

    return_reservation(customer=holder, reservation=loan, now=now + 2 * DAY)

    entry.refresh_from_db()
    assert entry.status == Status.DROPPED
    book.refresh_from_db()
    assert book.free_units == 1
    assert_book_consistent(book)
