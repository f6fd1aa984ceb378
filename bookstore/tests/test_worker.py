"""Background work (SPEC section 6) in a real Celery worker process, on Redis and on the filesystem broker.

Each test starts ``celery -A bookstore worker`` as a subprocess (bookstore/tests/celery_worker.py)
on the test database (``transaction=True``, so it sees committed rows) with its own broker
space: a queue of its own on Redis, or a temporary folder for the filesystem broker of the
embedded default. They poll the database until the work is done, with a deadline, and always
kill the worker. The tasks called in this process: test_tasks_in_process.py.
"""

import os
import signal
import uuid
from datetime import timedelta

import pytest
from kombu import Connection

from accounts.models import Notification, Tier
from billing.models import TransactionKind, WalletTransaction
from bookstore.tests.celery_worker import (
    DAY,
    HOUR,
    Worker,
    delete_redis_queue,
    needs_postgresql,
    redis_url,
    sms_lines,
    wait_until,
    worker_database_url,
)
from reservations import tasks as reservation_tasks
from reservations.models import Reservation, Status
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def redis_worker(tmp_path):
    """worker() -> Worker on Redis with a queue of its own; send(task) puts a task on that queue."""
    url = redis_url()
    queue = f"bookstore-test-{uuid.uuid4().hex}"
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SMS_BACKEND": "accounts.sms.ConsoleSmsBackend",
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []

    def worker(pool: str = "solo") -> Worker:
        workers.append(Worker(environment, tmp_path / "worker.log", pool=pool).start())
        return workers[-1]

    def send(task) -> None:
        with Connection(url) as broker:
            task.apply_async(queue=queue, connection=broker)

    try:
        yield worker, send
    finally:
        for started in workers:
            started.kill()
        delete_redis_queue(url, queue)


@pytest.fixture
def filesystem_worker(tmp_path):
    """The same on the embedded default's broker: kombu's filesystem transport in a temporary folder."""
    folder = tmp_path / "celery"
    environment = {
        key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_TASK_DEFAULT_QUEUE")
    }
    environment.update(
        DATABASE_URL=worker_database_url(),
        CELERY_BROKER_URL="filesystem://localhost/",
        CELERY_QUEUE_FOLDER=str(folder),
        SMS_BACKEND="accounts.sms.ConsoleSmsBackend",
        PYTHONUNBUFFERED="1",
    )
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True)
    workers: list[Worker] = []

    def worker(pool: str = "solo") -> Worker:
        workers.append(Worker(environment, tmp_path / "worker.log", pool=pool).start())
        return workers[-1]

    def send(task) -> None:
        with Connection("filesystem://localhost/", transport_options=options) as broker:
            task.apply_async(queue="celery", connection=broker)

    try:
        yield worker, send
    finally:
        for started in workers:
            started.kill()


def make_due_loan_with_queue(make_customer, make_book, now):
    """A loan that ended an hour ago; a Plus customer queued first, a Premium one queued later (R12)."""
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=10_000)
    plus = make_customer(Tier.PLUS, balance=10_000)
    premium = make_customer(Tier.PREMIUM, balance=10_000)
    loan = reserve(customer=holder, book=book, days=2, now=now - 2 * DAY - HOUR)
    plus_entry = reserve(customer=plus, book=book, days=2, now=now - 2 * DAY)
    premium_entry = reserve(customer=premium, book=book, days=3, now=now - DAY)
    assert loan.status == Status.ACTIVE and plus_entry.status == premium_entry.status == Status.QUEUED
    return loan, plus_entry, premium_entry


def check_worker_expires_promotes_charges_and_notifies(worker_fixture, make_customer, make_book, now) -> None:
    start_worker, send = worker_fixture
    loan, plus_entry, premium_entry = make_due_loan_with_queue(make_customer, make_book, now)
    premium = premium_entry.customer

    send(reservation_tasks.expire_due_reservations)
    worker = start_worker()

    def notification_sent() -> bool:
        return Notification.objects.filter(
            user=premium.user, kind=Notification.Kind.PROMOTED, sent_at__isnull=False
        ).exists()

    wait_until(notification_sent, worker, "promotion notice sent")
    loan.refresh_from_db()
    assert loan.status == Status.EXPIRED and loan.ended_at == loan.ends_at
    premium_entry.refresh_from_db()
    assert premium_entry.status == Status.ACTIVE and premium_entry.starts_at >= now
    plus_entry.refresh_from_db()
    assert plus_entry.status == Status.QUEUED
    debits = WalletTransaction.objects.filter(customer=premium, kind=TransactionKind.RESERVATION)
    assert list(debits.values_list("amount", flat=True)) == [-3_000]
    premium.refresh_from_db()
    assert premium.balance == 7_000
    wait_until(lambda: sms_lines(worker.output(), premium.user.phone), worker, "SMS line in the worker's output")
    assert "is yours until" in sms_lines(worker.output(), premium.user.phone)[0]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_worker_on_redis_expires_due_loan_and_promotes_the_R12_head_with_notice_R16_R13(
    redis_worker, make_customer, make_book, now
):
    """On Redis: the worker expires the loan, serves the Premium entry, charges it and sends the stored notice."""
    check_worker_expires_promotes_charges_and_notifies(redis_worker, make_customer, make_book, now)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_worker_on_the_embedded_filesystem_broker_does_the_same_R16_R13(
    filesystem_worker, make_customer, make_book, now
):
    """The embedded default's broker (a folder, no server) carries the same work."""
    check_worker_expires_promotes_charges_and_notifies(filesystem_worker, make_customer, make_book, now)


def make_many_due_loans(make_customer, make_book, now, count: int):
    """`count` books, each with a loan that ended an hour ago and one customer queued for it."""
    holders = [make_customer(Tier.PREMIUM, balance=100_000) for _ in range(count // 10 + 1)]
    heads = [make_customer(Tier.PLUS, balance=10_000) for _ in range(count)]
    books = [make_book(units=1) for _ in range(count)]
    for i, (book, head) in enumerate(zip(books, heads, strict=True)):
        reserve(customer=holders[i // 10], book=book, days=1, now=now - DAY - HOUR)
        reserve(customer=head, book=book, days=2, now=now - DAY)
    return books, heads


def assert_each_loan_expired_once_and_each_head_served_once(books, heads, assert_wallet_consistent) -> None:
    for book in books:
        book.refresh_from_db()
        assert book.units_on_loan == 1, book
        statuses = sorted(Reservation.objects.filter(book=book).values_list("status", flat=True))
        assert statuses == [Status.ACTIVE, Status.EXPIRED], (book, statuses)
    for head in heads:
        debits = WalletTransaction.objects.filter(customer=head, kind=TransactionKind.RESERVATION)
        assert list(debits.values_list("amount", flat=True)) == [-2_000], head
        assert Notification.objects.filter(user=head.user, kind=Notification.Kind.PROMOTED).count() == 1, head
        assert_wallet_consistent(head)
    for loan in Reservation.objects.filter(book__in=books, status=Status.EXPIRED):
        assert loan.ended_at == loan.ends_at


KILL_TEST_BOOKS = 60


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_and_started_again_expires_each_loan_exactly_once_R16_R13(
    redis_worker, make_customer, make_book, now, assert_wallet_consistent
):
    """SIGKILL during a sweep: what committed stays, the rest is rolled back and done by the next run."""
    start_worker, send = redis_worker
    books, heads = make_many_due_loans(make_customer, make_book, now, KILL_TEST_BOOKS)

    def expired() -> int:
        return Reservation.objects.filter(book__in=books, status=Status.EXPIRED).count()

    worker = start_worker()
    send(reservation_tasks.expire_due_reservations)
    wait_until(lambda: expired() > 0, worker, "a first expiry")
    worker.kill()
    done_before_restart = expired()
    assert 0 < done_before_restart < KILL_TEST_BOOKS, "the kill must land in the middle of the batch"

    worker = start_worker()
    send(reservation_tasks.expire_due_reservations)  # beat's next tick
    wait_until(lambda: expired() == KILL_TEST_BOOKS, worker, "every loan expired")
    worker.kill()

    assert_each_loan_expired_once_and_each_head_served_once(books, heads, assert_wallet_consistent)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_pool_process_killed_mid_batch_gets_the_task_back_with_no_resend_R16_R13(
    redis_worker, make_customer, make_book, now, assert_wallet_consistent
):
    """acks_late with reject_on_worker_lost: the task comes back to a new pool process by itself."""
    start_worker, send = redis_worker
    books, heads = make_many_due_loans(make_customer, make_book, now, KILL_TEST_BOOKS)

    def expired() -> int:
        return Reservation.objects.filter(book__in=books, status=Status.EXPIRED).count()

    worker = start_worker(pool="prefork")
    send(reservation_tasks.expire_due_reservations)
    wait_until(lambda: expired() > 0, worker, "a first expiry")
    for child in worker.children():
        os.kill(child, signal.SIGKILL)
    assert expired() < KILL_TEST_BOOKS, "the kill must land in the middle of the batch"

    wait_until(lambda: expired() == KILL_TEST_BOOKS, worker, "every loan expired after the redelivery")
    assert "WorkerLostError" in worker.output()
    worker.kill()

    assert_each_loan_expired_once_and_each_head_served_once(books, heads, assert_wallet_consistent)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_worker_resumes_a_due_pause_tells_its_customer_once_and_serves_the_free_copy_R30_R32(
    redis_worker, make_customer, make_book, now
):
    """A pause whose day has come, beside a free copy: the beat's task resumes it, tells its customer, lends it."""
    start_worker, send = redis_worker
    book = make_book(units=1)
    holder, waiting = make_customer(Tier.PLUS, balance=10_000), make_customer(Tier.PLUS, balance=10_000)
    loan = reserve(customer=holder, book=book, days=2, now=now - DAY)
    entry = reserve(customer=waiting, book=book, days=2, now=now - DAY)
    Reservation.objects.filter(pk=entry.pk).update(paused_until=now + DAY)
    return_reservation(customer=holder, reservation=loan, now=now - HOUR)  # skipped: the copy stays free
    Reservation.objects.filter(pk=entry.pk).update(paused_until=now - MINUTE)  # its day has come

    worker = start_worker()
    send(reservation_tasks.resume_due_pauses)
    send(reservation_tasks.resume_due_pauses)  # twice, as a late beat may: told once

    def promotion_sent() -> bool:
        return Notification.objects.filter(user=waiting.user, kind=Notification.Kind.PROMOTED, sent_at__isnull=False)

    wait_until(lambda: promotion_sent().exists(), worker, "promotion notice sent")
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE and entry.paused_until is None
    assert Notification.objects.filter(user=waiting.user, kind=Notification.Kind.RESUMED).count() == 1
    wait_until(lambda: sms_lines(worker.output(), waiting.user.phone), worker, "SMS lines in the worker's output")
