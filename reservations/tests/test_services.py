"""Reservation use cases through reservations.services: each rule's success and refusal paths."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification, Tier
from billing.exceptions import InsufficientFunds
from billing.models import TransactionKind, WalletTransaction
from billing.services import buy_subscription
from catalog.models import Book
from reservations.exceptions import (
    AlreadyReserved,
    BookHasLiveReservations,
    InvalidDays,
    InvalidUnits,
    NotReservationOwner,
    ReservationIsActive,
    ReservationLimitReached,
    ReservationNotActive,
    ReservationNotQueued,
    SubscriptionRequired,
    UnitsBelowOnLoan,
)
from reservations.models import EndReason, Reservation, Status
from reservations.services import (
    _first_in_queue,
    delete_book,
    end_reservation_by_admin,
    expire_due_reservations,
    leave_queue,
    remove_from_queue_by_admin,
    reserve,
    return_reservation,
    set_book_units,
)

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def assert_book_consistent(book: Book) -> None:
    """units_on_loan equals the book's active reservations and stays within 0..units (R9)."""
    book.refresh_from_db()
    active = Reservation.objects.filter(book=book, status=Status.ACTIVE).count()
    assert book.units_on_loan == active
    assert 0 <= book.units_on_loan <= book.units


def ledger_rows(customer) -> int:
    return WalletTransaction.objects.filter(customer=customer).count()


def notified(customer, kind: str) -> bool:
    return Notification.objects.filter(user=customer.user, kind=kind).exists()


@pytest.fixture
def occupied_book(make_customer, make_book, now):
    """A one-unit book held by a Plus customer for 7 days from `now`: (book, holder, loan)."""
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    return book, holder, loan


def fill_active_limit(customer, count, make_book, at, days=7):
    """Give `customer` `count` active reservations on fresh one-unit books."""
    return [reserve(customer=customer, book=make_book(units=1), days=days, now=at) for _ in range(count)]


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


# R12, R13 -------------------------------------------------------------------------------


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
    by its id with its customer locked: two statements (issue 16)."""
    book, _, _ = occupied_book
    for _ in range(3):
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)

    with CaptureQueriesContext(connection) as queries:
        first = _first_in_queue(book, now)

    assert first is not None and first.customer.tier == Tier.PLUS
    lookups = [query["sql"] for query in queries.captured_queries]
    assert len(lookups) == 2  # no Premium in the queue: the earliest entry
    heads, lock = lookups
    assert lock.endswith('FOR UPDATE OF "accounts_customer"') and f'"id" = {first.pk}' in lock
    with connection.cursor() as cursor:
        # Rule out the paths that a table as small as a test's may make cheaper.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
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


def _assert_dropped(entry, customer, reason, released_at):
    entry.refresh_from_db()
    assert entry.status == Status.DROPPED
    assert entry.end_reason == reason
    assert entry.ended_at == released_at
    assert entry.price is None
    assert notified(customer, Notification.Kind.DROPPED)
    assert not WalletTransaction.objects.filter(
        customer=customer, kind=TransactionKind.RESERVATION, created_at=released_at
    ).exists()


def _assert_promoted(entry, customer, released_at):
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE
    assert entry.starts_at == released_at
    assert notified(customer, Notification.Kind.PROMOTED)


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

    _assert_dropped(lapsing_entry, lapsing, EndReason.NO_SUBSCRIPTION, released_at)
    _assert_promoted(next_entry, nxt, released_at)
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

    _assert_dropped(long_entry, former_premium, EndReason.DAYS_EXCEED_TIER, released_at)
    _assert_promoted(next_entry, nxt, released_at)
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

    _assert_dropped(busy_entry, busy, EndReason.LIMIT_REACHED, released_at)
    _assert_promoted(next_entry, nxt, released_at)
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

    _assert_dropped(spender_entry, spender, EndReason.INSUFFICIENT_FUNDS, released_at)
    _assert_promoted(next_entry, nxt, released_at)
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


def test_returned_unit_stays_free_when_queue_is_empty_R13_R15(occupied_book, now):
    book, holder, loan = occupied_book
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    book.refresh_from_db()
    assert book.units_on_loan == 0
    assert book.free_units == 1
    assert_book_consistent(book)


def test_raising_units_by_two_serves_two_queued_customers_R13(
    make_customer, occupied_book, now, assert_wallet_consistent
):
    book, _, _ = occupied_book
    waiters = [make_customer(Tier.PLUS, balance=10_000) for _ in range(3)]
    entries = [reserve(customer=c, book=book, days=1, now=now + (i + 1) * MINUTE) for i, c in enumerate(waiters)]
    raised_at = now + HOUR

    set_book_units(book=book, units=3, now=raised_at)

    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == [Status.ACTIVE, Status.ACTIVE, Status.QUEUED]
    assert entries[0].starts_at == entries[1].starts_at == raised_at
    book.refresh_from_db()
    assert (book.units, book.units_on_loan) == (3, 3)
    for customer in waiters:
        assert_wallet_consistent(customer)
    assert_book_consistent(book)


def test_each_expired_unit_is_served_to_the_queue_R13_R16(make_customer, make_book, now, assert_wallet_consistent):
    book = make_book(units=2)
    holders = [make_customer(Tier.PLUS, balance=10_000) for _ in range(2)]
    for holder in holders:
        reserve(customer=holder, book=book, days=1, now=now)
    waiters = [make_customer(Tier.PREMIUM, balance=10_000) for _ in range(3)]
    entries = [reserve(customer=c, book=book, days=2, now=now + (i + 1) * MINUTE) for i, c in enumerate(waiters)]
    swept_at = now + 2 * DAY

    assert expire_due_reservations(now=swept_at) == 2

    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == [Status.ACTIVE, Status.ACTIVE, Status.QUEUED]
    # The loan starts when the unit is actually handed over, not at the old loan's end.
    assert entries[0].starts_at == swept_at
    for customer in holders + waiters:
        assert_wallet_consistent(customer)
    assert_book_consistent(book)


# R14 ------------------------------------------------------------------------------------


def test_leaving_the_queue_cancels_without_charge_R14(make_customer, occupied_book, now, assert_wallet_consistent):
    book, _, _ = occupied_book
    customer = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=customer, book=book, days=3, now=now)

    left = leave_queue(customer=customer, reservation=entry, now=now + HOUR)

    left.refresh_from_db()
    assert left.status == Status.CANCELLED
    assert left.end_reason == EndReason.LEFT_QUEUE
    assert left.ended_at == now + HOUR
    customer.refresh_from_db()
    assert customer.balance == 10_000
    assert ledger_rows(customer) == 1
    assert_wallet_consistent(customer)
    assert_book_consistent(book)


def test_leaving_the_queue_is_refused_for_active_foreign_or_left_entries_R14(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    customer = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=customer, book=book, days=3, now=now)

    with pytest.raises(ReservationIsActive) as info:
        leave_queue(customer=holder, reservation=loan, now=now + MINUTE)
    assert (info.value.status, info.value.code) == (409, "reservation_active")

    with pytest.raises(NotReservationOwner) as info:
        leave_queue(customer=holder, reservation=entry, now=now + MINUTE)
    assert info.value.status == 403

    leave_queue(customer=customer, reservation=entry, now=now + MINUTE)
    with pytest.raises(ReservationNotQueued) as info:
        leave_queue(customer=customer, reservation=entry, now=now + 2 * MINUTE)
    assert info.value.status == 409

    loan.refresh_from_db()
    entry.refresh_from_db()
    assert loan.status == Status.ACTIVE
    assert entry.end_reason == EndReason.LEFT_QUEUE


# R15 ------------------------------------------------------------------------------------


def test_early_return_releases_the_unit_without_refund_R15(occupied_book, now, assert_wallet_consistent):
    book, holder, loan = occupied_book
    holder.refresh_from_db()
    balance = holder.balance

    returned = return_reservation(customer=holder, reservation=loan, now=now + DAY)

    returned.refresh_from_db()
    assert returned.status == Status.RETURNED
    assert returned.end_reason == EndReason.RETURNED
    assert returned.ended_at == now + DAY
    assert returned.price == 7_000
    holder.refresh_from_db()
    assert holder.balance == balance == 3_000
    assert not WalletTransaction.objects.filter(customer=holder, kind=TransactionKind.REFUND).exists()
    assert_wallet_consistent(holder)
    assert_book_consistent(book)


def test_a_return_locks_the_book_then_reads_the_reservation_once_issue_8(occupied_book, now):
    """The loaded reservation names its book (a reservation never changes book), so the
    return locks it at once, then re-reads the reservation with its customer and not the
    book again; an empty queue costs one lookup of its heads (R13, issue 16)."""
    book, holder, loan = occupied_book

    with CaptureQueriesContext(connection) as queries:
        return_reservation(customer=holder, reservation=loan, now=now + HOUR)

    sqls = [query["sql"] for query in queries.captured_queries]
    assert [sql.split()[0] for sql in sqls] == [
        "SAVEPOINT",
        "SELECT",
        "SELECT",
        "UPDATE",
        "UPDATE",
        "SELECT",
        "RELEASE",
    ]
    assert sqls[1].startswith('SELECT "catalog_book"') and sqls[1].endswith("FOR UPDATE")
    assert sqls[2].startswith('SELECT "reservations_reservation"') and '"catalog_book"' not in sqls[2]
    assert_book_consistent(book)


def test_returning_someone_elses_or_twice_is_refused_R15(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    stranger = make_customer(Tier.PLUS, balance=10_000)

    with pytest.raises(NotReservationOwner) as info:
        return_reservation(customer=stranger, reservation=loan, now=now + HOUR)
    assert (info.value.status, info.value.code) == (403, "not_reservation_owner")
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    with pytest.raises(ReservationNotActive) as info:
        return_reservation(customer=holder, reservation=loan, now=now + 2 * HOUR)
    assert info.value.status == 409
    assert_book_consistent(book)


# R16 ------------------------------------------------------------------------------------


def test_expire_due_reservations_ends_due_loans_once_R16(make_customer, make_book, now, assert_wallet_consistent):
    short_book, long_book = make_book(units=1), make_book(units=1)
    customer = make_customer(Tier.PLUS, balance=10_000)
    short = reserve(customer=customer, book=short_book, days=1, now=now)
    long = reserve(customer=customer, book=long_book, days=3, now=now)

    assert expire_due_reservations(now=now + 2 * DAY) == 1
    assert expire_due_reservations(now=now + 2 * DAY) == 0

    short.refresh_from_db()
    long.refresh_from_db()
    assert short.status == Status.EXPIRED
    assert short.end_reason == EndReason.EXPIRED
    assert short.ended_at == short.ends_at == now + DAY
    assert long.status == Status.ACTIVE and long.ended_at is None
    assert_wallet_consistent(customer)
    assert_book_consistent(short_book)
    assert_book_consistent(long_book)


def test_one_sweep_lowers_each_books_units_by_its_own_ended_loans_R9_R16(make_customer, make_book, now):
    """Books ending one, two and three loans in the same sweep transaction, and one ending
    none: each book's units on loan drop by its own count, and nobody else's."""
    books = {ended: make_book(units=4) for ended in (0, 1, 2, 3)}
    customers = [make_customer(Tier.PREMIUM, balance=50_000) for _ in range(4)]
    for ended, book in books.items():
        for customer in customers[:ended]:
            reserve(customer=customer, book=book, days=1, now=now - 2 * DAY)
        if ended < 3:  # and a loan that runs on
            reserve(customer=customers[3], book=book, days=7, now=now - 2 * DAY)

    assert expire_due_reservations(now=now) == 1 + 2 + 3

    for ended, book in books.items():
        book.refresh_from_db()
        assert book.units_on_loan == (1 if ended < 3 else 0), ended
        assert_book_consistent(book)


def test_expiry_at_exactly_ends_at_counts_as_due_R16(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(units=1), days=1, now=now)
    assert expire_due_reservations(now=now + DAY - timedelta(seconds=1)) == 0
    assert expire_due_reservations(now=now + DAY) == 1
    loan.refresh_from_db()
    assert loan.status == Status.EXPIRED


def test_overdue_unswept_unit_can_be_reserved_by_a_newcomer_R16(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    overdue = reserve(customer=holder, book=book, days=3, now=now - 10 * DAY)
    newcomer = make_customer(Tier.PLUS, balance=10_000)

    reservation = reserve(customer=newcomer, book=book, days=2, now=now)

    assert reservation.status == Status.ACTIVE
    overdue.refresh_from_db()
    assert overdue.status == Status.EXPIRED
    assert overdue.ended_at == overdue.ends_at
    assert_book_consistent(book)


def test_overdue_unit_goes_to_the_queue_before_a_newcomer_R13_R16(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=holder, book=book, days=3, now=now - 10 * DAY)
    waiter = make_customer(Tier.PLUS, balance=10_000)
    queued = reserve(customer=waiter, book=book, days=2, now=now - 9 * DAY)
    newcomer = make_customer(Tier.PREMIUM, balance=10_000)

    late = reserve(customer=newcomer, book=book, days=2, now=now)

    queued.refresh_from_db()
    assert queued.status == Status.ACTIVE
    assert queued.starts_at == now
    assert late.status == Status.QUEUED
    assert_book_consistent(book)


def test_returning_an_overdue_loan_reports_it_expired_R15_R16(occupied_book, now, assert_wallet_consistent):
    book, holder, loan = occupied_book

    result = return_reservation(customer=holder, reservation=loan, now=now + 8 * DAY)

    assert result.status == Status.EXPIRED
    loan.refresh_from_db()
    assert loan.status == Status.EXPIRED
    assert loan.ended_at == loan.ends_at == now + 7 * DAY
    assert_wallet_consistent(holder)
    assert_book_consistent(book)


# R25 ------------------------------------------------------------------------------------


def test_admin_ending_a_loan_promotes_the_next_in_queue_R25_R13(
    make_customer, occupied_book, now, assert_wallet_consistent
):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=2, now=now + MINUTE)
    ended_at = now + HOUR

    ended = end_reservation_by_admin(reservation=loan, now=ended_at)

    ended.refresh_from_db()
    assert ended.status == Status.ENDED_BY_ADMIN
    assert ended.end_reason == EndReason.ENDED_BY_ADMIN
    assert ended.ended_at == ended_at
    _assert_promoted(entry, waiter, ended_at)
    assert_wallet_consistent(holder)
    assert_wallet_consistent(waiter)
    assert_book_consistent(book)


def test_admin_cannot_end_a_reservation_that_is_not_active_R25(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=2, now=now + MINUTE)

    with pytest.raises(ReservationNotActive) as info:
        end_reservation_by_admin(reservation=entry, now=now + HOUR)
    assert info.value.status == 409

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    with pytest.raises(ReservationNotActive):
        end_reservation_by_admin(reservation=loan, now=now + 2 * HOUR)
    assert_book_consistent(book)


def test_admin_removing_from_queue_cancels_and_notifies_R25(make_customer, occupied_book, now):
    book, _, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=2, now=now + MINUTE)

    removed = remove_from_queue_by_admin(reservation=entry, now=now + HOUR)

    removed.refresh_from_db()
    assert removed.status == Status.CANCELLED
    assert removed.end_reason == EndReason.REMOVED_BY_ADMIN
    assert removed.ended_at == now + HOUR
    assert notified(waiter, Notification.Kind.DROPPED)
    waiter.refresh_from_db()
    assert waiter.balance == 10_000
    with pytest.raises(ReservationIsActive):
        remove_from_queue_by_admin(reservation=loan, now=now + HOUR)


# Units and deletion ---------------------------------------------------------------------


def test_units_cannot_go_below_units_on_loan(make_customer, make_book, now):
    book = make_book(units=2)
    for _ in range(2):
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)

    with pytest.raises(UnitsBelowOnLoan) as info:
        set_book_units(book=book, units=1, now=now + HOUR)

    assert (info.value.status, info.value.code) == (409, "units_below_on_loan")
    book.refresh_from_db()
    assert book.units == 2
    assert_book_consistent(book)


def test_units_can_drop_to_units_freed_by_overdue_loans_R16(make_customer, make_book, now):
    book = make_book(units=2)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=1, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now)

    set_book_units(book=book, units=1, now=now + 2 * DAY)

    book.refresh_from_db()
    assert (book.units, book.units_on_loan) == (1, 1)
    assert_book_consistent(book)


@pytest.mark.parametrize("units", [-1, "3", 2.0, True, None])
def test_units_must_be_a_whole_number_not_negative(make_book, now, units):
    book = make_book(units=1)
    with pytest.raises(InvalidUnits) as info:
        set_book_units(book=book, units=units, now=now)
    assert (info.value.status, info.value.code) == (400, "invalid_units")
    book.refresh_from_db()
    assert book.units == 1


def test_book_with_live_reservations_cannot_be_deleted(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=1, now=now)

    with pytest.raises(BookHasLiveReservations) as info:
        delete_book(book=book, now=now + HOUR)
    assert (info.value.status, info.value.code) == (409, "book_has_live_reservations")

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)  # the waiter now holds it
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE
    with pytest.raises(BookHasLiveReservations):
        delete_book(book=book, now=now + 2 * HOUR)
    assert Book.objects.filter(pk=book.pk).exists()


def test_book_never_lent_is_deleted_and_one_lent_is_withdrawn_R28(make_book, occupied_book, now):
    book, holder, loan = occupied_book
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    untouched = make_book(units=1)

    assert delete_book(book=book, now=now + 2 * HOUR) is False
    assert delete_book(book=untouched, now=now + 2 * HOUR) is True

    assert not Book.objects.filter(pk=untouched.pk).exists()
    assert Book.objects.get(pk=book.pk).withdrawn_at == now + 2 * HOUR
    assert Reservation.objects.filter(pk=loan.pk).exists()


def test_days_refusal_names_the_customers_own_tier_limit_R4(make_customer, make_book, now):
    """A Plus customer asking for 30 days is told 7 is the limit, not Premium's 14."""
    from reservations.exceptions import InvalidDays

    customer = make_customer("plus", balance=100_000)
    with pytest.raises(InvalidDays) as refused:
        reserve(customer=customer, book=make_book(), days=30, now=now)
    assert "1 to 7" in refused.value.message


def test_returning_a_loan_the_sweep_already_expired_is_409_R15_R16(make_customer, make_book, now):
    from datetime import timedelta

    from reservations.exceptions import ReservationNotActive
    from reservations.services import expire_due_reservations

    customer = make_customer("plus", balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now)
    expire_due_reservations(now=now + timedelta(days=2))
    with pytest.raises(ReservationNotActive):
        return_reservation(customer=customer, reservation=loan, now=now + timedelta(days=3))
