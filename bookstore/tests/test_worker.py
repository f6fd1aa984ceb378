"""Background work (SPEC section 6): the tasks in-process, then a real Celery worker process.

The first tests call the tasks in this process. The worker tests start ``celery -A bookstore
worker`` as a subprocess on the test database (``transaction=True``, so it sees committed
rows) with its own broker space: a queue of its own on Redis, or a temporary folder for the
filesystem broker of the embedded default. They poll the database until the work is done,
with a deadline, and always kill the worker.
"""

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.exceptions import Retry
from django.db import connection, transaction
from django.utils import timezone
from honcho.environ import parse_procfile
from kombu import Connection

from accounts.models import Notification, Tier
from accounts.services import notify
from accounts.sms import SmsBackend
from accounts.tasks import send_notification, send_pending_notifications
from billing import tasks as billing_tasks
from billing.models import TransactionKind, WalletTransaction
from bookstore.celery import app as celery_app
from reservations import tasks as reservation_tasks
from reservations.models import Reservation, Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DEADLINE = 30  # seconds to wait for a worker to finish a piece of work


class SmsBackendDown(Exception):
    pass


class FailingSmsBackend(SmsBackend):
    """An SMS provider that refuses every message."""

    def send(self, *, phone: str, message: str) -> None:
        raise SmsBackendDown(phone)


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Run .delay() in this process: only for checking what an on_commit callback sends."""
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


def sms_lines(output: str, phone: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"SMS to {phone}: ")]


# Tasks in this process ------------------------------------------------------------------


def test_notify_sends_nothing_until_the_transaction_commits(make_customer, capsys, django_capture_on_commit_callbacks):
    """notify() stores at once and hands the SMS to the worker only in an on_commit callback."""
    user = make_customer(Tier.PLUS).user
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        notification = notify(user=user, kind=Notification.Kind.PROMOTED, message="Book 1 is yours.")
    assert len(callbacks) == 1
    assert sms_lines(capsys.readouterr().out, user.phone) == []
    notification.refresh_from_db()
    assert notification.sent_at is None

    with eager_tasks():
        callbacks[0]()  # what the commit runs

    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: Book 1 is yours."]
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_notify_in_a_rolled_back_transaction_sends_nothing(make_customer, django_capture_on_commit_callbacks):
    user = make_customer(Tier.PLUS).user
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        notify(user=user, kind=Notification.Kind.DROPPED, message="Dropped.")
        raise RuntimeError("the use case failed")
    assert callbacks == []
    assert not Notification.objects.filter(user=user).exists()


def test_send_notification_sends_once_however_often_it_runs(make_customer, capsys):
    user = make_customer(Tier.PLUS).user
    notification = Notification.objects.create(user=user, kind=Notification.Kind.PROMOTED, message="Yours.")

    assert send_notification.apply(args=[notification.pk]).get() is True
    assert send_notification.apply(args=[notification.pk]).get() is False

    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: Yours."]
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_send_notification_for_a_deleted_notification_does_nothing(capsys):
    assert send_notification.apply(args=[987654321]).get() is False
    assert "SMS to" not in capsys.readouterr().out


def test_failed_sms_leaves_the_notification_unsent_for_a_retry(make_customer, settings):
    settings.SMS_BACKEND = f"{__name__}.FailingSmsBackend"
    notification = Notification.objects.create(
        user=make_customer(Tier.PLUS).user, kind=Notification.Kind.PROMOTED, message="Yours."
    )

    with pytest.raises(Retry):
        send_notification.apply(args=[notification.pk], throw=True)

    notification.refresh_from_db()
    assert notification.sent_at is None


def test_pending_sweep_sends_only_recent_notifications_that_were_never_sent(make_customer, capsys):
    """A notification whose own task never ran (broker down) is sent by the sweep; stale ones are not."""
    user = make_customer(Tier.PLUS).user
    now = timezone.now()

    def stored(message: str, age: timedelta, sent: bool = False) -> Notification:
        return Notification.objects.create(
            user=user,
            kind=Notification.Kind.PROMOTED,
            message=message,
            created_at=now - age,
            sent_at=now - age if sent else None,
        )

    stored("fresh", timedelta(seconds=10))
    stored("pending", timedelta(minutes=10))
    stored("stale", timedelta(days=2))
    stored("sent", timedelta(minutes=10), sent=True)

    with eager_tasks():
        assert send_pending_notifications.apply().get() == 1

    assert sms_lines(capsys.readouterr().out, user.phone) == [f"SMS to {user.phone}: pending"]


def test_subscription_task_ends_or_renews_lapsed_subscriptions_R5_R20(make_customer, assert_wallet_consistent):
    renewing = make_customer(Tier.PLUS, balance=60_000, ends_in=-HOUR, auto_renew=True)
    lapsing = make_customer(Tier.PREMIUM, balance=0, ends_in=-HOUR)

    assert billing_tasks.end_or_renew_subscriptions() == {"renewed": 1, "ended": 1}
    assert billing_tasks.end_or_renew_subscriptions() == {"renewed": 0, "ended": 0}

    renewing.refresh_from_db()
    lapsing.refresh_from_db()
    assert renewing.tier == Tier.PLUS and renewing.subscription_ends_at > timezone.now()
    assert lapsing.tier == Tier.FREE
    assert_wallet_consistent(renewing)


def test_beat_runs_every_periodic_task_each_minute_R16_R20():
    schedule = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}
    for task in (
        "reservations.tasks.expire_due_reservations",
        "billing.tasks.end_or_renew_subscriptions",
        "reservations.tasks.notify_reservations_ending_soon",
    ):
        assert schedule[task] <= 60, task
    assert set(schedule) <= set(celery_app.tasks)


def test_tasks_are_acknowledged_late_and_requeued_when_their_worker_dies():
    for name in ("reservations.tasks.expire_due_reservations", "accounts.tasks.send_notification"):
        task = celery_app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
    assert celery_app.conf.worker_prefetch_multiplier == 1


# A real worker process --------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process shares the test database, which must be PostgreSQL (SQLite tests run in memory)",
)


def worker_database_url() -> str:
    """DATABASE_URL of the database this test runs on (test_<name>, with _gwN under xdist)."""
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{settings['NAME']}"


class Worker:
    """A `celery -A bookstore worker` subprocess with its own broker space and log file."""

    def __init__(self, environment: dict[str, str], log: Path, pool: str = "solo") -> None:
        self.environment = environment
        self.log = log
        self.pool = pool
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        command = [
            sys.executable, "-m", "celery", "-A", "bookstore", "worker",
            f"--pool={self.pool}", "--concurrency=1", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and everything it started: no warm shutdown, no acknowledgements."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        """The pool's processes (prefork), read from /proc."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


def wait_until(condition: Callable[[], bool], worker: Worker, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.process.poll() is None, f"the worker exited while waiting for {what}:\n{worker.output()}"
        assert time.monotonic() < deadline, f"no {what} after {timeout}s; worker log:\n{worker.output()[-5000:]}"
        time.sleep(0.02)


def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {url} ({error}); `make test` provides one")
    return url


def delete_redis_queue(url: str, queue: str) -> None:
    """Remove what a test's queue left in Redis, including messages a killed worker never acknowledged."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{queue}*"):
        client.delete(key)
    client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, payload in client.hscan_iter("unacked"):
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


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


# `make run` ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_procfiles_run_web_worker_and_one_beat():
    for name in ("Procfile", "Procfile.dev"):
        processes = parse_procfile((ROOT / name).read_text()).processes
        assert set(processes) == {"web", "worker", "beat"}, name
        assert "celery -A bookstore worker" in processes["worker"]
        assert "celery -A bookstore beat" in processes["beat"]
    assert "gunicorn bookstore.wsgi" in parse_procfile((ROOT / "Procfile").read_text()).processes["web"]


def test_make_run_serves_the_site_with_worker_and_beat_and_ctrl_c_stops_all(tmp_path):
    """scripts/run.sh on the embedded default: migrate, seed, web + worker + beat, all gone after Ctrl-C."""
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE")
    }
    environment.update(
        PORT=str(port),
        PYTHON=sys.executable,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",  # the embedded default, in a folder of its own
        CELERY_QUEUE_FOLDER=str(tmp_path / "celery"),
    )
    run = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(run.stdout.readline, "")), daemon=True)
    reader.start()
    output = lambda: "".join(lines)  # noqa: E731
    pids: list[int] = []

    def wait_for(text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in output():
            assert run.poll() is None, f"make run exited before {text!r}:\n{output()}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout}s:\n{output()}"
            time.sleep(0.1)

    try:
        wait_for(f"Bookstore is running at http://127.0.0.1:{port}/", timeout=120)
        assert "Demo accounts:" in output() and "demo_premium" in output()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as response:
            assert response.status == 200
        wait_for(" ready.", timeout=30)  # the worker
        wait_for("beat: Starting...", timeout=30)
        folder = tmp_path / "celery"
        queue = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        }
        with Connection("filesystem://localhost/", transport_options=queue) as broker:
            send_pending_notifications.apply_async(queue="celery", connection=broker)
        wait_for("Task accounts.tasks.send_pending_notifications[", timeout=30)  # the worker took it
        pids = [int(pid) for pid in re.findall(r"(?:web|worker|beat)\.1 +started \(pid=(\d+)\)", output())]
        assert len(pids) == 3, output()

        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        run.wait(timeout=30)

        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        for group in [run.pid, *pids]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        run.wait(timeout=10)
