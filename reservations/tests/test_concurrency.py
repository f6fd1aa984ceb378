"""Concurrency tests with real threads on PostgreSQL (R9, R13, R16, R17, R19).

Each thread opens its own database connection, waits on a barrier so that all of them
hit the services together, and closes its connection when done. Data is built before
the threads start; the test database is committed to (``transaction=True``) so every
thread sees it. Only domain errors are acceptable refusals: any other exception in a
thread (IntegrityError, deadlock, InvalidTransition...) fails the test with its traceback.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection, transaction

from accounts.models import Customer, Tier
from billing.models import TransactionKind, WalletTransaction
from billing.services import buy_subscription, charge_wallet, debit_wallet, lock_customer
from bookstore.tests.concurrency import THREAD_TIMEOUT, run_together
from reservations.expiry import expire_due_reservations
from reservations.models import EndReason, Reservation, Status
from reservations.services import end_reservation_by_admin, reserve, return_reservation

if connection.vendor != "postgresql":
    pytest.skip(
        "Concurrency tests need PostgreSQL row locks; set DATABASE_URL=postgres://...",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def ledger(customer: Customer):
    return WalletTransaction.objects.filter(customer=customer).order_by("id")


def assert_ledger_chain(customer: Customer) -> None:
    """Balance >= 0, equal to the sum of the ledger, and each balance_after is the running sum (R19)."""
    customer.refresh_from_db()
    running = 0
    for row in ledger(customer):
        running += row.amount
        assert row.balance_after == running, f"ledger row #{row.pk} says {row.balance_after}, running sum {running}"
        assert row.balance_after >= 0
    assert customer.balance == running
    assert customer.balance >= 0


def reservation_debits(customer: Customer) -> list[WalletTransaction]:
    return list(ledger(customer).filter(kind=TransactionKind.RESERVATION))


def test_fifty_simultaneous_reserves_never_oversell_a_three_unit_book_R9(make_customer, make_book, now):
    """50 Plus customers reserve a 3-unit book at once: 3 active and charged, the rest queued or refused."""
    book = make_book(units=3)
    customers = [make_customer(Tier.PLUS, balance=10_000) for _ in range(50)]

    outcomes = run_together(
        [lambda c=customer: reserve(customer=c, book=book, days=2, now=now) for customer in customers]
    )

    book.refresh_from_db()
    active = Reservation.objects.filter(book=book, status=Status.ACTIVE)
    assert active.count() == 3
    assert book.units_on_loan == 3
    refused = [o.refusal for o in outcomes if o.refusal is not None]
    assert Reservation.objects.filter(book=book, status=Status.QUEUED).count() + len(refused) == 47
    assert Reservation.objects.filter(book=book).count() == 50 - len(refused)
    for customer, outcome in zip(customers, outcomes, strict=True):
        assert_ledger_chain(customer)
        debits = reservation_debits(customer)
        if outcome.ok and outcome.value.status == Status.ACTIVE:
            assert [d.amount for d in debits] == [-2_000]
            assert customer.balance == 8_000
        else:
            assert debits == [], f"{customer} was charged without an active reservation"
            assert customer.balance == 10_000


def test_one_customer_reserving_many_books_at_once_stays_within_the_tier_limit_R10(make_customer, make_book, now):
    """12 simultaneous reserves of different books by one Plus customer: exactly 5 active (R2, R7, R10).

    Each request locks a different book, so they race only on the customer's row; the
    counts reserve() checks are read after that lock, in a statement of their own, and so
    see every loan the requests before it made.
    """
    customer = make_customer(Tier.PLUS, balance=100_000)
    books = [make_book(units=1) for _ in range(12)]

    outcomes = run_together([lambda b=book: reserve(customer=customer, book=b, days=1, now=now) for book in books])

    assert Reservation.objects.filter(customer=customer, status=Status.ACTIVE).count() == 5
    refusals = Counter(o.refusal.code for o in outcomes if o.refusal is not None)
    assert refusals == {"reservation_limit_reached": 7}
    # The fifth saw the four before it as books read in the last 30 days: 30% off (R7).
    assert [d.amount for d in reservation_debits(customer)] == [-1_000] * 4 + [-700]
    assert_ledger_chain(customer)


def test_mixed_simultaneous_wallet_operations_keep_the_ledger_exact_R19(make_customer, make_book, now):
    """Charges, reserves and subscription purchases at once on one short wallet: no lost update."""
    customer = make_customer(Tier.PLUS, balance=60_000)
    initial_end = customer.subscription_ends_at
    books = [make_book(units=1) for _ in range(10)]
    calls: list[Callable[[], Any]] = []
    kinds: list[str] = []
    for book in books:
        # One Customer instance per thread: services refresh the instance they are given.
        calls += [
            partial(charge_wallet, customer=Customer.objects.get(pk=customer.pk), amount=5_000, now=now),
            partial(reserve, customer=Customer.objects.get(pk=customer.pk), book=book, days=3, now=now),
            partial(buy_subscription, customer=Customer.objects.get(pk=customer.pk), tier=Tier.PLUS, months=1, now=now),
        ]
        kinds += [TransactionKind.CHARGE, TransactionKind.RESERVATION, TransactionKind.SUBSCRIPTION]

    outcomes = run_together(calls)

    assert_ledger_chain(customer)
    succeeded = {kind: sum(1 for k, o in zip(kinds, outcomes, strict=True) if k == kind and o.ok) for kind in kinds}
    rows = Counter(ledger(customer).exclude(reference="test").values_list("kind", flat=True))  # minus funding
    assert succeeded[TransactionKind.CHARGE] == 10  # the fake gateway approves every charge
    assert rows[TransactionKind.CHARGE] == succeeded[TransactionKind.CHARGE]
    assert rows[TransactionKind.RESERVATION] == succeeded[TransactionKind.RESERVATION]
    assert rows[TransactionKind.SUBSCRIPTION] == succeeded[TransactionKind.SUBSCRIPTION]
    assert rows[TransactionKind.REFUND] == 0
    # The wallet could not pay for everything: some purchase or reserve was refused.
    assert any(o.refusal is not None for o in outcomes)
    refusal_codes = {o.refusal.code for o in outcomes if o.refusal is not None}
    assert refusal_codes <= {"insufficient_funds", "reservation_limit_reached"}, refusal_codes
    assert (
        Reservation.objects.filter(customer=customer, status=Status.ACTIVE).count()
        == (succeeded[TransactionKind.RESERVATION])
    )
    assert succeeded[TransactionKind.RESERVATION] <= 5  # Plus limit (R2)
    # Every purchase of the same tier moved the end by 30 days (R18): none was lost.
    customer.refresh_from_db()
    assert customer.subscription_ends_at == initial_end + timedelta(days=30) * succeeded[TransactionKind.SUBSCRIPTION]


def test_same_idempotency_key_charges_once_under_concurrency_R17(make_customer, now):
    """10 threads charge with one Idempotency-Key: one ledger row; each answer names it or says "in progress".

    A repeat that arrives while the first request is at the gateway answers 409
    charge_in_progress (billing.services); retried afterwards, it gets the first result.
    """
    customer = make_customer(Tier.PLUS, balance=1_000)
    instances = [Customer.objects.get(pk=customer.pk) for _ in range(10)]

    def charge(instance):
        return charge_wallet(customer=instance, amount=7_000, idempotency_key="key-42", now=now)

    outcomes = run_together([lambda c=c: charge(c) for c in instances])

    assert {o.refusal.code for o in outcomes if o.refusal} <= {"charge_in_progress"}
    rows = list(WalletTransaction.objects.filter(customer=customer, idempotency_key="key-42"))
    assert len(rows) == 1
    assert {o.value.transaction.pk for o in outcomes if o.ok} == {rows[0].pk}
    assert sum(o.value.created for o in outcomes if o.ok) == 1
    retried = [charge(instance) for instance, o in zip(instances, outcomes, strict=True) if o.refusal]
    assert {r.transaction.pk for r in retried} <= {rows[0].pk} and not any(r.created for r in retried)
    assert ledger(customer).filter(kind=TransactionKind.CHARGE).exclude(reference="test").count() == 1
    assert_ledger_chain(customer)
    assert customer.balance == 8_000


def test_two_units_released_at_once_go_to_the_first_two_in_R12_order_R13(make_customer, make_book, now):
    """Two returns at once on a 2-unit book: the Premium entry, then the earliest Plus, get the units."""
    book = make_book(units=2)
    start = now - timedelta(hours=2)
    holders = [make_customer(Tier.PLUS, balance=10_000) for _ in range(2)]
    loans = [reserve(customer=h, book=book, days=3, now=start) for h in holders]
    plus_earliest = make_customer(Tier.PLUS, balance=10_000)
    premium_latest = make_customer(Tier.PREMIUM, balance=10_000)
    plus_second = make_customer(Tier.PLUS, balance=10_000)
    plus_third = make_customer(Tier.PLUS, balance=10_000)
    joins = [
        (plus_earliest, now - timedelta(minutes=50)),
        (plus_second, now - timedelta(minutes=40)),
        (plus_third, now - timedelta(minutes=30)),
        (premium_latest, now - timedelta(minutes=10)),
    ]
    queued = {c.pk: reserve(customer=c, book=book, days=2, now=at) for c, at in joins}
    assert all(r.status == Status.QUEUED for r in queued.values())

    run_together(
        [
            lambda h=h, r=r: return_reservation(customer=h, reservation=r, now=now)
            for h, r in zip(holders, loans, strict=True)
        ]
    )

    for loan in loans:
        loan.refresh_from_db()
        assert loan.status == Status.RETURNED
    for reservation in queued.values():
        reservation.refresh_from_db()
    for winner in (premium_latest, plus_earliest):
        assert queued[winner.pk].status == Status.ACTIVE
        assert queued[winner.pk].starts_at == now
        assert [d.amount for d in reservation_debits(winner)] == [-2_000]
    for waiting in (plus_second, plus_third):
        assert queued[waiting.pk].status == Status.QUEUED
        assert reservation_debits(waiting) == []
    book.refresh_from_db()
    assert book.units_on_loan == 2 == Reservation.objects.filter(book=book, status=Status.ACTIVE).count()
    for customer in [*holders, plus_earliest, premium_latest, plus_second, plus_third]:
        assert_ledger_chain(customer)


def test_release_drops_unservable_entries_in_order_and_beats_a_newcomer_R13(make_customer, make_book, now):
    """An admin ends a loan while a newcomer reserves: the queue is served first, with the right drops."""
    book = make_book(units=1)
    joined = now - timedelta(hours=2)
    holder = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=3, now=joined - timedelta(hours=1))

    # In force when joining, lapsed one hour before the release (R5).
    lapsed = make_customer(Tier.PLUS, balance=10_000, ends_in=timedelta(hours=-1))
    at_limit = make_customer(Tier.PLUS, balance=20_000)
    poor = make_customer(Tier.PLUS, balance=52_000)
    good = make_customer(Tier.PLUS, balance=10_000)
    newcomer = make_customer(Tier.PLUS, balance=10_000)

    entries = {}
    for minutes, customer in enumerate([lapsed, at_limit, poor, good]):
        at = joined + timedelta(minutes=minutes)
        entries[customer.pk] = reserve(customer=customer, book=book, days=3, now=at)
    assert all(r.status == Status.QUEUED for r in entries.values())
    # After joining: fill at_limit's five Plus slots (R2) and spend poor's wallet below 3,000.
    for _ in range(5):
        assert reserve(customer=at_limit, book=make_book(units=1), days=1, now=joined).status == Status.ACTIVE
    buy_subscription(customer=poor, tier=Tier.PLUS, months=1, now=joined)
    poor.refresh_from_db()
    assert poor.balance == 2_000

    outcomes = run_together(
        [
            lambda: end_reservation_by_admin(reservation=loan, now=now),
            lambda: reserve(customer=newcomer, book=book, days=2, now=now),
        ]
    )

    ended, fresh = outcomes
    assert ended.ok
    for reservation in entries.values():
        reservation.refresh_from_db()
    expected_drops = {
        lapsed.pk: EndReason.NO_SUBSCRIPTION,
        at_limit.pk: EndReason.LIMIT_REACHED,
        poor.pk: EndReason.INSUFFICIENT_FUNDS,
    }
    for customer_id, reason in expected_drops.items():
        assert entries[customer_id].status == Status.DROPPED
        assert entries[customer_id].end_reason == reason
        assert entries[customer_id].ended_at == now
    assert entries[good.pk].status == Status.ACTIVE
    assert entries[good.pk].starts_at == now
    if fresh.ok:
        assert fresh.value.status == Status.QUEUED
    book.refresh_from_db()
    assert book.units_on_loan == 1
    assert list(Reservation.objects.filter(book=book, status=Status.ACTIVE)) == [entries[good.pk]]
    assert reservation_debits(newcomer) == []
    for customer in (holder, lapsed, at_limit, poor, good, newcomer):
        assert_ledger_chain(customer)


def test_a_release_serves_the_queue_with_the_balance_committed_while_it_waited_R11_R13(make_customer, make_book, now):
    """The queue lookup locks the head's customer: a charge holding that lock commits
    first, and the release then sees the wallet it left (too little: dropped, R13)."""
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=3, now=now - timedelta(hours=1))
    head = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=head, book=book, days=3, now=now - timedelta(minutes=30))
    locked = threading.Event()

    def spend_while_holding_the_lock():
        with transaction.atomic():
            customer = lock_customer(head.pk)
            locked.set()
            time.sleep(0.5)  # the release runs meanwhile and must wait for this row
            debit_wallet(
                customer=customer,
                amount=customer.balance - 500,
                kind=TransactionKind.SUBSCRIPTION,
                reference="test",
                now=now - timedelta(minutes=1),
            )

    def release_once_locked():
        assert locked.wait(timeout=THREAD_TIMEOUT)
        return return_reservation(customer=holder, reservation=loan, now=now)

    spent, released = run_together([spend_while_holding_the_lock, release_once_locked])

    assert spent.ok and released.ok
    entry.refresh_from_db()
    assert (entry.status, entry.end_reason) == (Status.DROPPED, EndReason.INSUFFICIENT_FUNDS)
    assert reservation_debits(head) == []
    head.refresh_from_db()
    assert head.balance == 500
    for customer in (holder, head):
        assert_ledger_chain(customer)
    book.refresh_from_db()
    assert book.units_on_loan == 0


def test_two_simultaneous_sweeps_expire_each_loan_once_and_promote_each_head_once_R16(make_customer, make_book, now):
    """Two expire_due_reservations() at once over 20 due loans: each expired once, each head served once."""
    start = now - timedelta(days=3)
    holders = [make_customer(Tier.PREMIUM, balance=50_000) for _ in range(2)]
    heads = [make_customer(Tier.PLUS, balance=10_000) for _ in range(20)]
    second = make_customer(Tier.PLUS, balance=10_000)  # second in every queue: must never be served
    books = [make_book(units=1) for _ in range(20)]
    loans, head_entries, second_entries = [], [], []
    for i, book in enumerate(books):
        loans.append(reserve(customer=holders[i % 2], book=book, days=2, now=start))
        head_entries.append(reserve(customer=heads[i], book=book, days=2, now=start + timedelta(hours=1)))
        second_entries.append(reserve(customer=second, book=book, days=2, now=start + timedelta(hours=2)))
    assert all(r.status == Status.ACTIVE for r in loans)
    assert all(r.status == Status.QUEUED for r in head_entries + second_entries)

    outcomes = run_together([lambda: expire_due_reservations(now=now), lambda: expire_due_reservations(now=now)])

    assert all(o.ok for o in outcomes)
    assert sum(o.value for o in outcomes) == 20, [o.value for o in outcomes]
    for loan in loans:
        loan.refresh_from_db()
        assert loan.status == Status.EXPIRED
        assert loan.ended_at == loan.ends_at
    for head, entry in zip(heads, head_entries, strict=True):
        entry.refresh_from_db()
        assert entry.status == Status.ACTIVE
        assert entry.starts_at == now
        assert [d.amount for d in reservation_debits(head)] == [-2_000]
        assert_ledger_chain(head)
    for entry in second_entries:
        entry.refresh_from_db()
        assert entry.status == Status.QUEUED
    assert reservation_debits(second) == []
    for book in books:
        book.refresh_from_db()
        assert book.units_on_loan == 1
    for customer in [*holders, second]:
        assert_ledger_chain(customer)
