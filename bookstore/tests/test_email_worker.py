"""R39 in a real Celery worker process: a stored notification goes by e-mail once, however often it is delivered.

The worker (bookstore/tests/celery_worker.py) runs on the test database and a Redis queue of
its own, with Django's file e-mail backend (``EMAIL_URL=filemail:////<folder>``: four
slashes for an absolute folder) and the console SMS backend, so the test reads what was
sent from the folder and the worker's output. The notification is stored and committed
here; the task is put on the queue twice, as a redelivery or the pending sweep would.
"""

import email
import os
import uuid
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from django.db import transaction
from kombu import Connection

from accounts.models import Notification, Tier, User
from accounts.services import notify
from accounts.tasks import send_notification
from bookstore.tests.celery_worker import (
    Worker,
    delete_redis_queue,
    needs_postgresql,
    redis_url,
    sms_lines,
    wait_until,
    worker_database_url,
)

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages in one file of the file backend


@pytest.fixture
def email_worker(tmp_path):
    """(worker, send, outbox): a worker whose e-mail goes to files in `outbox`; send(signature) queues a task."""
    url = redis_url()
    queue = f"bookstore-test-{uuid.uuid4().hex}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SMS_BACKEND": "accounts.sms.ConsoleSmsBackend",
        "EMAIL_URL": f"filemail:///{outbox}",  # outbox is absolute: filemail:////tmp/...
        "SITE_URL": "https://books.example.com",
        "PYTHONUNBUFFERED": "1",
    }
    worker = Worker(environment, tmp_path / "worker.log")

    def send(signature) -> None:
        with Connection(url) as broker:
            signature.apply_async(queue=queue, connection=broker)

    try:
        yield worker, send, outbox
    finally:
        worker.kill()
        delete_redis_queue(url, queue)


def sent_emails(outbox: Path) -> list[email.message.Message]:
    messages = []
    for path in sorted(outbox.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


def bodies(message: email.message.Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset())
        for part in message.walk()
        if not part.is_multipart()
    }


def task_runs(worker: Worker) -> int:
    return sum(
        "accounts.tasks.send_notification[" in line and " succeeded in " in line
        for line in worker.output().splitlines()
    )


def store_notification(user: User, message: str) -> Notification:
    with transaction.atomic():  # committed, as the event's transaction would be
        return notify(user=user, kind=Notification.Kind.PROMOTED, message=message)


def test_worker_emails_a_notification_once_though_the_task_comes_twice_R39(email_worker, make_customer):
    worker, send, outbox = email_worker
    user = make_customer(Tier.PLUS, user__first_name="Sara").user
    User.objects.filter(pk=user.pk).update(notify_by_sms=False, notify_by_email=True)
    notification = store_notification(user, "“Blind Owl” is yours until 3 December.")

    send(send_notification.s(notification.pk))
    send(send_notification.s(notification.pk))  # delivered twice
    worker.start()
    wait_until(lambda: task_runs(worker) == 2, worker, "both deliveries of the task run")

    (message,) = sent_emails(outbox)
    assert message["To"] == user.email
    assert message["Subject"] == "A book you waited for is yours"
    text, html = bodies(message)["text/plain"], bodies(message)["text/html"]
    assert "Hello Sara," in text and "“Blind Owl” is yours until 3 December." in text
    assert "https://books.example.com/reservations/" in text
    assert "“Blind Owl” is yours until 3 December." in html and '<html dir="ltr" lang="en">' in html
    assert sms_lines(worker.output(), user.phone) == []  # e-mail only
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_worker_sends_both_channels_once_in_persian_R39_R40(email_worker, make_customer):
    worker, send, outbox = email_worker
    user = make_customer(Tier.PLUS).user
    User.objects.filter(pk=user.pk).update(notify_by_email=True, language="fa")
    notification = store_notification(user, "کتاب «بوف کور» تا ۱۲ آذر مال شماست.")

    worker.start()
    send(send_notification.s(notification.pk))
    send(send_notification.s(notification.pk))
    wait_until(lambda: task_runs(worker) == 2, worker, "both deliveries of the task run")

    (message,) = sent_emails(outbox)
    assert str(make_header(decode_header(message["Subject"]))) == "کتابی که منتظرش بودید مال شماست"
    html = bodies(message)["text/html"]
    assert '<html dir="rtl" lang="fa">' in html and "کتاب «بوف کور» تا ۱۲ آذر مال شماست." in html
    assert sms_lines(worker.output(), user.phone) == [f"SMS to {user.phone}: کتاب «بوف کور» تا ۱۲ آذر مال شماست."]
