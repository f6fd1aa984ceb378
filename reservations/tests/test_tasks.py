"""The reservation tasks and the "ending within 24 hours" notice, run in-process (no worker).

The tasks use the real clock, so loans are made in the past with the services. Inside a
test's transaction no on_commit callback runs, so nothing reaches a broker here; the
worker tests (bookstore/tests/test_worker.py) cover the sending.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import Notification, Tier
from billing.models import TransactionKind, WalletTransaction
from reservations import tasks
from reservations.models import Reservation, Status
from reservations.notifications import notify_ending_soon
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def notices(customer, kind=Notification.Kind.ENDING_SOON) -> int:
    return Notification.objects.filter(user=customer.user, kind=kind).count()


def reservation_debits(customer) -> list[int]:
    rows = WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.RESERVATION)
    return list(rows.values_list("amount", flat=True))


@pytest.fixture
def due_loan_with_queue(make_customer, make_book, now):
    """A loan that ended a day ago, a Plus customer queued first and a Premium one queued later."""
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    plus = make_customer(Tier.PLUS, balance=10_000)
    premium = make_customer(Tier.PREMIUM, balance=10_000)
    loan = reserve(customer=holder, book=book, days=2, now=now - 3 * DAY)
    plus_entry = reserve(customer=plus, book=book, days=2, now=now - 3 * DAY + HOUR)
    premium_entry = reserve(customer=premium, book=book, days=3, now=now - 2 * DAY)
    assert loan.status == Status.ACTIVE and loan.ends_at == now - DAY
    assert plus_entry.status == premium_entry.status == Status.QUEUED
    return book, loan, (plus, plus_entry), (premium, premium_entry)


def test_expire_task_ends_due_loan_and_serves_premium_first_R16_R13_R12(due_loan_with_queue):
    """The beat task calls the expiry service: the loan expires at its end, the Premium entry is served."""
    book, loan, (plus, plus_entry), (premium, premium_entry) = due_loan_with_queue

    assert tasks.expire_due_reservations() == 1

    loan.refresh_from_db()
    assert loan.status == Status.EXPIRED and loan.ended_at == loan.ends_at
    premium_entry.refresh_from_db()
    assert premium_entry.status == Status.ACTIVE and premium_entry.price == 3_000
    assert reservation_debits(premium) == [-3_000]
    assert notices(premium, Notification.Kind.PROMOTED) == 1
    plus_entry.refresh_from_db()
    assert plus_entry.status == Status.QUEUED
    book.refresh_from_db()
    assert book.units_on_loan == 1


def test_expire_task_run_twice_expires_and_charges_once_R16(due_loan_with_queue, assert_wallet_consistent):
    _, loan, _, (premium, _) = due_loan_with_queue

    assert tasks.expire_due_reservations() == 1
    assert tasks.expire_due_reservations() == 0

    assert reservation_debits(premium) == [-3_000]
    assert notices(premium, Notification.Kind.PROMOTED) == 1
    assert_wallet_consistent(premium)


def test_expire_task_with_nothing_due_changes_nothing_R16(make_customer, make_book, now):
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=make_book(), days=2, now=now)

    assert tasks.expire_due_reservations() == 0

    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE


@pytest.fixture
def loans(make_customer, make_book, now):
    """Loans at several distances from their end, keyed by name, each with its own holder."""

    def lend(days: int, started: timedelta):
        customer = make_customer(Tier.PREMIUM, balance=20_000)
        return reserve(customer=customer, book=make_book(), days=days, now=now - started)

    return {
        "ends_in_2h": lend(days=2, started=2 * DAY - 2 * HOUR),
        "ends_in_23h": lend(days=3, started=2 * DAY + HOUR),
        "ends_in_25h": lend(days=3, started=2 * DAY - HOUR),
        "ends_in_10d": lend(days=14, started=4 * DAY),
        "overdue": lend(days=1, started=DAY + HOUR),
    }


def test_ending_soon_notifies_loans_ending_within_24_hours_once(loans, now):
    assert notify_ending_soon(now=now) == 2

    for name, loan in loans.items():
        loan.refresh_from_db()
        expected = name in ("ends_in_2h", "ends_in_23h")
        assert notices(loan.customer) == int(expected), name
        assert (loan.ending_notified_at == now) is expected, name
    message = Notification.objects.get(user=loans["ends_in_2h"].customer.user).message
    assert loans["ends_in_2h"].book.title in message

    assert notify_ending_soon(now=now + HOUR / 2) == 0  # ends_in_25h is not there yet
    assert notices(loans["ends_in_2h"].customer) == 1


def test_ending_soon_reaches_each_loan_as_its_last_day_begins(loans, now):
    notify_ending_soon(now=now)
    assert notify_ending_soon(now=now + 2 * HOUR) == 1  # ends_in_25h entered its last 24 hours
    assert notices(loans["ends_in_25h"].customer) == 1
    assert notices(loans["ends_in_10d"].customer) == 0


def test_ending_soon_skips_returned_and_queued_reservations(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    waiting = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=1, now=now - 2 * HOUR)
    return_reservation(customer=holder, reservation=loan, now=now - HOUR)
    queued = reserve(customer=waiting, book=make_book(units=0), days=1, now=now)

    assert queued.status == Status.QUEUED
    assert notify_ending_soon(now=now) == 0


def test_ending_soon_works_through_batches(make_customer, make_book, now):
    customer = make_customer(Tier.PREMIUM, balance=50_000)
    for _ in range(5):
        reserve(customer=customer, book=make_book(), days=1, now=now - HOUR)

    assert notify_ending_soon(now=now, batch_size=2) == 5
    assert notices(customer) == 5
    assert not Reservation.objects.filter(ending_notified_at__isnull=True).exists()


def test_ending_soon_sends_each_sms_only_after_its_commit(loans, now, django_capture_on_commit_callbacks):
    """Each notice schedules its SMS with on_commit: nothing leaves while the transaction is open."""
    with django_capture_on_commit_callbacks() as callbacks:
        notify_ending_soon(now=now)
    assert len(callbacks) == 2


def test_ending_soon_task_uses_the_real_clock(make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=customer, book=make_book(), days=1, now=now - 12 * HOUR)

    assert tasks.notify_reservations_ending_soon() == 1
    assert tasks.notify_reservations_ending_soon() == 0

    loan.refresh_from_db()
    assert loan.ending_notified_at is not None
    assert notices(customer) == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_ending_soon_runs_at_once_notify_each_loan_once(make_customer, make_book, now):
    """Two runs at once over 30 loans split them with skip_locked: every holder is told exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    holders = [make_customer(Tier.PREMIUM, balance=20_000) for _ in range(30)]
    for holder in holders:
        reserve(customer=holder, book=make_book(), days=1, now=now - HOUR)

    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results.append(notify_ending_soon(now=now, batch_size=5))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sum(results) == 30, results
    assert [notices(holder) for holder in holders] == [1] * 30
