"""A renewal racing a newcomer's queue join and a release, with real threads on PostgreSQL (R29, R9, R13, R19).

The harness is ``bookstore.tests.concurrency.run_together`` (see reservations/tests/test_concurrency.py).
Each thread takes the book's lock first in a transaction of its own and notes its turn
before calling the service, which runs inside that transaction and so keeps the lock to
the commit: the notes give the order in which the three really ran. Each round's
outcome must be what that order gives when played one after another: the renewal is
refused exactly when the newcomer was waiting at its moment, never both a renewal and
a newcomer left behind it. Two more tests force each order of a renewal and a queue
join with ``interleave``: the second one waits on the first one's lock.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from accounts.models import Notification, Tier
from bookstore.tests.concurrency import interleave, run_together
from catalog.models import lock_book
from reservations.models import Reservation, Status
from reservations.renewals import renew
from reservations.services import reserve, return_reservation
from reservations.tests.test_concurrency import assert_ledger_chain

if connection.vendor != "postgresql":
    pytest.skip(
        "Concurrency tests need PostgreSQL row locks; set DATABASE_URL=postgres://...",
        allow_module_level=True,
    )

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def in_turn(book_id: int, turns: list[str], name: str, call):
    """Lock the book, note the turn, then run `call` in the same transaction (so under the same lock)."""

    def run():
        with transaction.atomic():
            lock_book(book_id)
            turns.append(name)  # under the book's lock: one thread at a time
            return call()

    return run


def played_in_order(turns: list[str]) -> tuple[bool, bool]:
    """(renewal made, newcomer waited) when the three run one after another in `turns`."""
    free, waiting, renewed, waited = 0, False, False, False
    for turn in turns:
        if turn == "release":
            free += 1
            if waiting:  # the queue is served at the release (R13)
                free, waiting = free - 1, False
                waited = True
        elif turn == "join":
            if free:
                free -= 1
                waited = False
            else:
                waiting = True
        else:
            renewed = not waiting
    return renewed, waited


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_a_renewal_never_passes_a_newcomer_waiting_at_its_moment_R29_R13(round_number, make_customer, make_book, now):
    book = make_book(units=2)
    started = now - timedelta(hours=1)
    renewer = make_customer(Tier.PLUS, balance=20_000)
    holder = make_customer(Tier.PLUS, balance=20_000)
    newcomer = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=renewer, book=book, days=3, now=started)
    other_loan = reserve(customer=holder, book=book, days=3, now=started)  # no free unit now
    turns: list[str] = []

    outcomes = run_together(
        [
            in_turn(book.pk, turns, "renew", lambda: renew(customer=renewer, reservation=loan, days=2, now=now)),
            in_turn(book.pk, turns, "join", lambda: reserve(customer=newcomer, book=book, days=2, now=now)),
            in_turn(
                book.pk, turns, "release", lambda: return_reservation(customer=holder, reservation=other_loan, now=now)
            ),
        ]
    )

    renewal, join, release = outcomes
    assert join.ok and release.ok
    renewed, waited = played_in_order(turns)
    loan.refresh_from_db()
    if renewed:
        assert renewal.ok, (turns, renewal.refusal)
        assert (loan.renewals, loan.days, loan.ends_at) == (1, 5, started + timedelta(days=5))
    else:
        assert renewal.refusal is not None and renewal.refusal.code == "book_has_queue", turns
        assert (loan.renewals, loan.days) == (0, 3)
    entry = Reservation.objects.get(customer=newcomer, book=book)
    assert entry.status == Status.ACTIVE and entry.starts_at == now  # the released unit is the newcomer's
    assert Notification.objects.filter(user=newcomer.user, kind=Notification.Kind.PROMOTED).exists() == waited
    book.refresh_from_db()
    on_loan = Reservation.objects.filter(book=book, status=Status.ACTIVE).count()
    assert book.units_on_loan == on_loan == 2 and book.units - book.units_on_loan >= 0
    for customer in (renewer, holder, newcomer):
        assert_ledger_chain(customer)


@pytest.fixture
def full_book(make_customer, make_book, now):
    """A one-unit book lent to a renewer since an hour ago, and a newcomer: (book, renewer, loan, newcomer)."""
    book = make_book(units=1)
    renewer = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=renewer, book=book, days=3, now=now - timedelta(hours=1))
    return book, renewer, loan, make_customer(Tier.PLUS, balance=20_000)


def test_a_renewal_waiting_on_a_queue_join_is_refused_when_the_join_commits_R29(full_book, now):
    """The join holds the book's lock, the renewal waits on it, then sees the newcomer waiting."""
    book, renewer, loan, newcomer = full_book

    joined, renewal = interleave(
        lambda: reserve(customer=newcomer, book=book, days=2, now=now),
        lambda: renew(customer=renewer, reservation=loan, days=2, now=now),
        must_wait=True,
    )

    assert joined.ok and joined.value.status == Status.QUEUED
    assert renewal.refusal is not None and renewal.refusal.code == "book_has_queue"
    loan.refresh_from_db()
    assert (loan.renewals, loan.days) == (0, 3)
    assert_ledger_chain(renewer)


def test_a_queue_join_waiting_on_a_renewal_queues_behind_the_renewed_loan_R29(full_book, now):
    """The renewal holds the book's lock; the join then finds no free unit and waits in the queue."""
    book, renewer, loan, newcomer = full_book

    renewal, joined = interleave(
        lambda: renew(customer=renewer, reservation=loan, days=2, now=now),
        lambda: reserve(customer=newcomer, book=book, days=2, now=now),
        must_wait=True,
    )

    assert renewal.ok and renewal.value.renewals == 1
    assert joined.ok and joined.value.status == Status.QUEUED
    book.refresh_from_db()
    assert book.units_on_loan == 1 == Reservation.objects.filter(book=book, status=Status.ACTIVE).count()
    for customer in (renewer, newcomer):
        assert_ledger_chain(customer)
