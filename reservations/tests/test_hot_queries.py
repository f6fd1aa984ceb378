"""The hot path's compiled queries answer what their QuerySets answer (issue 16, R7–R16).

Each rule's condition is written once, as ORM code (ReservationQuerySet, the ledger's
``paid_between``, ``with_history``); the reserve and release paths run it compiled once
per thread (core.compiled). These tests compare the compiled answers with the same
QuerySets evaluated by the ORM, and with the rules' own selectors, on mixed data.
"""

from datetime import timedelta

import pytest
from rest_framework import serializers

from accounts.models import Customer, Tier
from billing.models import TransactionKind, WalletTransaction
from reservations.apis import ReservationOutputSerializer, render_one, visible_reservation
from reservations.estimates import queued_expected_between
from reservations.models import Reservation, Status
from reservations.pricing import HISTORY_QUERY, _history, history_parameters
from reservations.queue import _LOANS_AND_HISTORY, _loans_and_history
from reservations.queue_head import QUEUE_HEADS as _QUEUE_HEADS
from reservations.queue_head import _queue_heads
from reservations.queue_head import first_in_queue as _first_in_queue
from reservations.selectors import estimated_wait, position_in_queue, queue_place, queue_places
from reservations.services import _RESERVE_CHECKS, _reserve_checks_query, reserve, return_reservation

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@pytest.fixture
def history(make_customer, make_book, now):
    """A Premium reader with loans running, ended, overdue and queued, and ledger rows in and out of R7's windows."""
    reader = make_customer(Tier.PREMIUM, balance=500_000)
    books = [make_book(units=1) for _ in range(7)]
    reserve(customer=reader, book=books[0], days=3, now=now - 40 * DAY)  # outside the 30 days, ended since
    for book in books[1:4]:
        loan = reserve(customer=reader, book=book, days=2, now=now - 10 * DAY)
    return_reservation(customer=reader, reservation=loan, now=now - 9 * DAY)
    reserve(customer=reader, book=books[4], days=14, now=now - DAY)  # running
    holder = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=holder, book=books[5], days=1, now=now - 2 * DAY)  # overdue: its end has come
    reserve(customer=holder, book=books[6], days=7, now=now - 2 * DAY)
    queued = reserve(customer=reader, book=books[6], days=2, now=now - MINUTE)
    assert queued.status == Status.QUEUED
    WalletTransaction.objects.filter(customer=reader, kind=TransactionKind.SUBSCRIPTION).update(
        created_at=now - 61 * DAY
    )
    return reader, books, queued


def test_the_history_equals_the_orms_at_several_moments_R7(history, now):
    reader, _, _ = history
    for at in (now - 50 * DAY, now - 9 * DAY, now, now + 20 * DAY):
        values = history_parameters(reader.pk, at)
        assert HISTORY_QUERY.run(**values) == list(_history(**values))
        assert _LOANS_AND_HISTORY.run(**values) == list(_loans_and_history(**values))
    paid, books_read = HISTORY_QUERY.first(**history_parameters(reader.pk, now))
    reader_rows = WalletTransaction.objects.filter(customer=reader, created_at__gte=now - 60 * DAY)
    assert paid == -sum(row.amount for row in reader_rows if row.kind != TransactionKind.CHARGE)
    assert books_read == 4  # books 1 to 4: book 0 began 40 days ago


def test_the_reserve_checks_equal_the_orms_R8_R10_R16(history, now):
    reader, books, _ = history
    for book in books:
        for at in (now, now + 3 * DAY):
            values = {"book": book.pk, **history_parameters(reader.pk, at)}
            assert _RESERVE_CHECKS.run(**values) == list(_reserve_checks_query(**values))
    live_here, active, due, _, _, _ = _RESERVE_CHECKS.first(book=books[6].pk, **history_parameters(reader.pk, now))
    assert (live_here, active, due) == (True, 1, False)  # queued here; one loan runs (the 2-day ones are over)
    live_here, active, due, _, _, _ = _RESERVE_CHECKS.first(book=books[5].pk, **history_parameters(reader.pk, now))
    assert (live_here, active, due) == (False, 1, True)  # the holder's loan here is overdue (R16)
    live_here, active, due, _, _, _ = _RESERVE_CHECKS.first(book=books[3].pk, **history_parameters(reader.pk, now))
    assert (live_here, active, due) == (False, 1, False)  # returned


def test_the_queue_heads_equal_the_orms_and_the_queue_order_R12(make_customer, make_book, now):
    book = make_book(units=1)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    assert _QUEUE_HEADS.run(book=book.pk, now=now) == list(_queue_heads(book.pk, now)) == [(None, None)]
    plus = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now + MINUTE)
    premium = reserve(customer=make_customer(Tier.PREMIUM, balance=10_000), book=book, days=2, now=now + 2 * MINUTE)
    for at in (now + 3 * MINUTE, now + 40 * DAY):  # Premium ends after 30 days
        assert _QUEUE_HEADS.run(book=book.pk, now=at) == list(_queue_heads(book.pk, at))
        first = _first_in_queue(book, at)
        assert first.pk == Reservation.objects.filter(book=book).in_queue_order(at).first().pk
    assert _first_in_queue(book, now + 3 * MINUTE).pk == premium.pk
    assert _first_in_queue(book, now + 40 * DAY).pk == plus.pk
    # A paused place is skipped until its moment (R30): the compiled heads agree with the ORM's.
    Reservation.objects.filter(pk=premium.pk).update(paused_until=now + DAY)
    for at in (now + 3 * MINUTE, now + DAY):
        assert _QUEUE_HEADS.run(book=book.pk, now=at) == list(_queue_heads(book.pk, at))
    assert _first_in_queue(book, now + 3 * MINUTE).pk == plus.pk
    assert _first_in_queue(book, now + DAY).pk == premium.pk


def test_one_reservations_place_equals_the_batch_and_the_selectors_R14(make_customer, make_book, now):
    book = make_book(units=2)
    for days in (3, 5):
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=days, now=now)
    entries = [
        reserve(customer=make_customer(tier, balance=10_000), book=book, days=days, now=now + i * MINUTE)
        for i, (tier, days) in enumerate(
            [(Tier.PLUS, 2), (Tier.PREMIUM, 7), (Tier.PLUS, 4), (Tier.PREMIUM, 1), (Tier.PLUS, 6)], start=1
        )
    ]
    shelf = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=make_book(units=0), days=1, now=now)
    for at in (now + 10 * MINUTE, now + 40 * DAY):
        batch = queue_places([*entries, shelf], at)
        for entry in [*entries, shelf]:
            place = queue_place(Reservation.objects.select_related("customer", "book").get(pk=entry.pk), at)
            assert place == batch[entry.pk]
            assert place.position == position_in_queue(entry, at)
            assert place.estimated_wait == estimated_wait(entry, at)
    assert queue_place(Reservation.objects.filter(book=book, status=Status.ACTIVE).first(), now) is None


def generic(reservation: Reservation, places: dict, estimates: dict | None = None) -> dict:
    serializer = ReservationOutputSerializer(context={"places": places, "estimates": estimates or {}})
    return serializers.Serializer.to_representation(serializer, reservation)


def test_the_written_out_representation_equals_drfs_for_every_state(history, make_customer, make_book, now):
    reader, books, queued = history
    left = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=books[6], days=1, now=now)
    left.leave_queue(status=Status.CANCELLED, at=now, reason="left_queue")
    left.save()
    everything = list(Reservation.objects.select_related("book", "customer"))
    assert {reservation.status for reservation in everything} >= {"queued", "active", "returned", "cancelled"}
    places = queue_places(everything, now)
    assert places  # a queued one has a place and a wait
    for reservation in everything:
        assert ReservationOutputSerializer(reservation, context={"places": places}).data == generic(reservation, places)
        estimates = queued_expected_between([reservation], now)  # R31
        assert render_one(reservation, now) == generic(reservation, places, estimates)


def test_a_visible_reservation_is_ones_own_or_any_for_an_admin(history, make_customer, django_user_model):
    from django.http import Http404

    from accounts.models import Role

    reader, _, queued = history
    other = make_customer(Tier.PLUS)
    admin = django_user_model.objects.create_user(
        username="boss", email="boss@example.com", phone="+989120000999", password="x" * 12, role=Role.ADMIN
    )
    assert visible_reservation(reader.user, queued.pk).pk == queued.pk
    assert visible_reservation(admin, queued.pk).book.pk == queued.book_id
    for user, pk in ((other.user, queued.pk), (reader.user, 10**9), (admin, 10**9)):
        with pytest.raises(Http404):
            visible_reservation(user, pk)
    assert Customer.objects.filter(pk=reader.pk).exists()
