"""Inputs of the accounts API that once answered 500 (issue 13): now 400 with the error body (R26)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from accounts.models import User
from accounts.tests.factories import UserFactory
from bookstore.tests.api_assertions import assert_invalid

WAIT_SECONDS = 10


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the pg_stat_activity it read first.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


@contextmanager
def twin_user_committing_late(**fields) -> Iterator[None]:
    """A twin request's user row, uncommitted until the request under test waits for it.

    The request's uniqueness check cannot see the row yet, so it goes on to write and
    PostgreSQL makes that write wait on the twin's unique key; then the twin commits and
    the write fails. No timing is guessed: the twin commits only once the wait is seen.
    """
    inserted, seen_waiting, errors = threading.Event(), threading.Event(), []

    def twin() -> None:
        try:
            with transaction.atomic():
                UserFactory(**fields)
                inserted.set()
                deadline = time.monotonic() + WAIT_SECONDS
                while time.monotonic() < deadline:
                    if _someone_waits_for_a_lock():
                        seen_waiting.set()
                        break
                    time.sleep(0.01)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            inserted.set()
            connection.close()

    thread = threading.Thread(target=twin, daemon=True)
    thread.start()
    assert inserted.wait(WAIT_SECONDS)
    yield
    thread.join(WAIT_SECONDS)
    assert not errors, errors
    assert seen_waiting.is_set(), "the request never waited on the twin's row: the race was not run"


@pytest.mark.django_db(transaction=True)
def test_a_signup_losing_the_race_for_its_username_is_400_not_500_R26(api_client):
    api_client.raise_request_exception = False
    payload = {"username": "twin", "email": "late@example.com", "phone": "+989120000001", "password": "pw-Ab3-long"}
    with twin_user_committing_late(username="twin", email="first@example.com", phone="+989120000002"):
        response = api_client.post("/api/v1/auth/signup/", payload, format="json")
    body = assert_invalid(response, "non_field_errors")
    assert "just taken" in body["errors"]["non_field_errors"][0]
    assert list(User.objects.filter(username="twin").values_list("email", flat=True)) == ["first@example.com"]


@pytest.mark.django_db(transaction=True)
def test_an_email_change_losing_the_race_is_400_not_500_R26(client_for):
    user = UserFactory(username="mover", email="old@example.com", phone="+989120000003")
    client = client_for(user)
    client.raise_request_exception = False
    with twin_user_committing_late(username="other", email="wanted@example.com", phone="+989120000004"):
        response = client.patch(f"/api/v1/users/{user.pk}/", {"email": "wanted@example.com"}, format="json")
    assert_invalid(response, "non_field_errors")
    user.refresh_from_db()
    assert user.email == "old@example.com"
