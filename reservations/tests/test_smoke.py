import pytest

from reservations.models import Status
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db


def test_reserve_free_unit_then_return_serves_queue_R9_R13(make_customer, make_book, now, assert_wallet_consistent):
    book = make_book(units=1)
    first = make_customer("plus", balance=10_000)
    second = make_customer("plus", balance=10_000)
    held = reserve(customer=first, book=book, days=3, now=now)
    queued = reserve(customer=second, book=book, days=2, now=now)
    assert held.status == Status.ACTIVE and held.price == 3_000
    assert queued.status == Status.QUEUED
    return_reservation(customer=first, reservation=held, now=now)
    queued.refresh_from_db()
    assert queued.status == Status.ACTIVE and queued.starts_at == now
    assert_wallet_consistent(first)
    assert_wallet_consistent(second)
    second.refresh_from_db()
    assert second.balance == 8_000
