"""An admin ends a loan or removes a queue entry (R25): end_reservation_by_admin, remove_from_queue_by_admin."""

import pytest

from accounts.models import Notification, Tier
from reservations.exceptions import (
    ReservationIsActive,
    ReservationNotActive,
)
from reservations.models import EndReason, Status
from reservations.services import (
    end_reservation_by_admin,
    remove_from_queue_by_admin,
    reserve,
    return_reservation,
)
from reservations.tests.conftest import (
    HOUR,
    MINUTE,
    assert_book_consistent,
    assert_promoted,
    notified,
)

pytestmark = pytest.mark.django_db


# R25 ------------------------------------------------------------------------------------


def test_admin_ending_a_loan_promotes_the_next_in_queue_R25_R13(
    make_customer, occupied_book, now, assert_wallet_consistent
):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=2, now=now + MINUTE)
    ended_at = now + HOUR

    ended = end_reservation_by_admin(reservation=loan, now=ended_at)

    ended.refresh_from_db()
    assert ended.status == Status.ENDED_BY_ADMIN
    assert ended.end_reason == EndReason.ENDED_BY_ADMIN
    assert ended.ended_at == ended_at
    assert_promoted(entry, waiter, ended_at)
    assert_wallet_consistent(holder)
    assert_wallet_consistent(waiter)
    assert_book_consistent(book)


def test_admin_cannot_end_a_reservation_that_is_not_active_R25(make_customer, occupied_book, now):
    book, holder, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=2, now=now + MINUTE)

    with pytest.raises(ReservationNotActive) as info:
        end_reservation_by_admin(reservation=entry, now=now + HOUR)
    assert info.value.status == 409

    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    with pytest.raises(ReservationNotActive):
        end_reservation_by_admin(reservation=loan, now=now + 2 * HOUR)
    assert_book_consistent(book)


def test_admin_removing_from_queue_cancels_and_notifies_R25(make_customer, occupied_book, now):
    book, _, loan = occupied_book
    waiter = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=waiter, book=book, days=2, now=now + MINUTE)

    removed = remove_from_queue_by_admin(reservation=entry, now=now + HOUR)

    removed.refresh_from_db()
    assert removed.status == Status.CANCELLED
    assert removed.end_reason == EndReason.REMOVED_BY_ADMIN
    assert removed.ended_at == now + HOUR
    assert notified(waiter, Notification.Kind.DROPPED)
    waiter.refresh_from_db()
    assert waiter.balance == 10_000
    with pytest.raises(ReservationIsActive):
        remove_from_queue_by_admin(reservation=loan, now=now + HOUR)


def test_the_customer_whose_loan_an_admin_ends_is_told_R25(occupied_book, now):
    """Issue 17: the holder used to learn nothing when an admin ended their loan early."""
    book, holder, loan = occupied_book
    end_reservation_by_admin(reservation=loan, now=now + HOUR)
    [told] = Notification.objects.filter(user=holder.user, kind=Notification.Kind.LOAN_ENDED)
    assert book.title in told.message and "ended your loan" in told.message


def test_a_loan_past_its_end_expires_and_nobody_is_told_it_was_ended(occupied_book, now):
    book, holder, loan = occupied_book
    ended = end_reservation_by_admin(reservation=loan, now=loan.ends_at + HOUR)
    assert ended.status == Status.EXPIRED
    assert not Notification.objects.filter(user=holder.user, kind=Notification.Kind.LOAN_ENDED).exists()
