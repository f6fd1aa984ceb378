"""atomic_with_retry runs a use case again when PostgreSQL aborts it for a real deadlock."""

import threading

import pytest
from django.db import OperationalError, connection

from accounts.tests.factories import CityFactory
from core.transactions import atomic_with_retry

pytestmark = pytest.mark.django_db(transaction=True)


def lock_in_order(first_id: int, second_id: int, barrier: threading.Barrier, attempts: list) -> None:
    from accounts.models import City

    attempts.append(1)
    City.objects.select_for_update().get(pk=first_id)
    if len(attempts) <= 2:  # only the first round meets at the barrier, so the retry can finish
        barrier.wait(timeout=10)
    City.objects.select_for_update().get(pk=second_id)


def run_crossed(function) -> list:
    if connection.vendor != "postgresql":
        pytest.skip("deadlock detection is a PostgreSQL behaviour")
    a, b = CityFactory(), CityFactory()
    barrier = threading.Barrier(2)
    attempts: list = []
    errors: list = []

    def worker(first, second):
        try:
            function(first, second, barrier, attempts)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=ids) for ids in ((a.pk, b.pk), (b.pk, a.pk))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors, attempts


def test_without_retry_one_side_of_a_deadlock_fails():
    def plain(first, second, barrier, attempts):
        from django.db import transaction

        with transaction.atomic():
            lock_in_order(first, second, barrier, attempts)

    errors, _ = run_crossed(plain)
    assert len(errors) == 1 and isinstance(errors[0], OperationalError)


def test_with_retry_both_sides_of_a_deadlock_succeed():
    errors, attempts = run_crossed(atomic_with_retry()(lock_in_order))
    assert errors == []
    assert len(attempts) == 3  # two first tries, one retry of the loser
