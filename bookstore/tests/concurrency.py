"""Real threads on PostgreSQL for the concurrency tests (R9, R13, R17, R19, R24, R27).

``run_together`` releases calls at once from a barrier, each on its own connection.
``interleave`` forces the lost-update order that a race only sometimes hits: a service
writes under its row lock and keeps its transaction open until a second writer, which
read the row before that commit, is waiting on the lock (seen in ``pg_stat_activity``);
then the service commits and the second writer goes on with what it read.
"""

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from core.exceptions import DomainError

THREAD_TIMEOUT = 60  # seconds; a thread still running after this is reported as a deadlock


@dataclass
class Outcome:
    """What one thread's call produced: a value, a domain refusal, or an unexpected error."""

    value: Any = None
    refusal: DomainError | None = None
    error: BaseException | None = None
    trace: str = ""

    @property
    def ok(self) -> bool:
        return self.refusal is None and self.error is None


def run_together(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run each call in its own thread and connection, all released by one barrier.

    Fails the test if a thread hangs (deadlock) or raises anything but a DomainError.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def body(index: int, call: Callable[[], Any]) -> None:
        outcome = outcomes[index]
        try:
            connection.ensure_connection()  # connect first, so the race is on the queries
            barrier.wait(timeout=THREAD_TIMEOUT)
            outcome.value = call()
        except DomainError as refusal:
            outcome.refusal = refusal
        except BaseException as error:  # every other error fails the test
            outcome.error = error
            outcome.trace = traceback.format_exc()
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT)
    hung = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not hung, f"threads {hung} still running after {THREAD_TIMEOUT}s: deadlock or lock wait"
    errors = [f"thread {i}: {o.error!r}\n{o.trace}" for i, o in enumerate(outcomes) if o.error is not None]
    assert not errors, "unexpected exceptions in threads:\n" + "\n".join(errors)
    return outcomes


def _lock_waiters() -> int:
    """How many other sessions of this database wait for a lock right now."""
    with connection.cursor() as cursor:
        # Within one transaction PostgreSQL keeps showing the activity it read first.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def interleave(
    locked_write: Callable[[], Any], stale_writer: Callable[[], Any], *, must_wait: bool = False
) -> tuple[Outcome, Outcome]:
    """Run `stale_writer` while `locked_write`'s transaction is open, and commit it mid-way.

    `locked_write` runs in a transaction that stays open until `stale_writer` (started
    after it wrote, so it reads the rows as they were before) either waits on a row lock
    or has finished; then the transaction commits and `stale_writer` goes on. This is the
    order in which a save of a stale read undoes a service's write. With `must_wait`, the
    test fails unless `stale_writer` was seen waiting (the race really ran).
    """
    written, release = threading.Event(), threading.Event()
    outcomes = (Outcome(), Outcome())

    def service() -> None:
        try:
            with transaction.atomic():
                outcomes[0].value = locked_write()
                written.set()
                assert release.wait(timeout=THREAD_TIMEOUT), "the stale writer never got going"
        except DomainError as refusal:
            outcomes[0].refusal = refusal
        except BaseException as error:
            outcomes[0].error, outcomes[0].trace = error, traceback.format_exc()
        finally:
            written.set()
            connection.close()

    def stale() -> None:
        try:
            outcomes[1].value = stale_writer()
        except DomainError as refusal:
            outcomes[1].refusal = refusal
        except BaseException as error:
            outcomes[1].error, outcomes[1].trace = error, traceback.format_exc()
        finally:
            connection.close()

    first = threading.Thread(target=service, daemon=True)
    first.start()
    assert written.wait(timeout=THREAD_TIMEOUT)
    second = threading.Thread(target=stale, daemon=True)
    second.start()
    deadline, waited = time.monotonic() + THREAD_TIMEOUT, False
    while second.is_alive() and not (waited := _lock_waiters() > 0) and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    for thread in (first, second):
        thread.join(timeout=THREAD_TIMEOUT)
        assert not thread.is_alive(), "a thread is still running: deadlock or lock wait"
    named = zip(("service", "stale writer"), outcomes, strict=True)
    errors = [f"{name}: {outcome.error!r}\n{outcome.trace}" for name, outcome in named if outcome.error]
    assert not errors, "unexpected exceptions in threads:\n" + "\n".join(errors)
    assert waited or not must_wait, "the second writer never waited on the first one's row: no race ran"
    return outcomes
