"""Leaving a queue through reservations.services.leave_queue (R14)."""

import pytest

from accounts.models import Tier
from reservations.exceptions import (
    NotReservationOwner,
    ReservationIsActive,
    ReservationNotQueued,
)
from reservations.models import EndReason, Status
from reservations.services import (
    leave_queue,
    reserve,
)
from reservations.tests.conftest import (
    HOUR,
    MINUTE,
    assert_book_consistent,
    ledger_rows,
)

pytestmark = pytest.mark.django_db


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
