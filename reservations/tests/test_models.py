"""Entities guard their own state: the reservation state machine and the database constraints."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Customer, Tier
from catalog.models import Book
from catalog.tests.factories import GenreFactory
from reservations.exceptions import InvalidTransition
from reservations.models import EndReason, Reservation, Status

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def customer(make_customer):
    return make_customer(Tier.PLUS)


@pytest.fixture
def book(make_book):
    return make_book(units=2)


def active_fields(now) -> dict:
    return {"status": Status.ACTIVE, "starts_at": now, "ends_at": now + 3 * DAY, "price": 3_000, "discount": 0}


# State machine ----------------------------------------------------------------------------


def test_activate_moves_a_queued_reservation_to_active(customer, book, now):
    reservation = Reservation.objects.create(customer=customer, book=book, days=3, requested_at=now)

    reservation.activate(at=now + DAY, price=2_100, discount=30)
    reservation.save()

    reservation.refresh_from_db()
    assert reservation.status == Status.ACTIVE
    assert (reservation.starts_at, reservation.ends_at) == (now + DAY, now + 4 * DAY)
    assert (reservation.price, reservation.discount) == (2_100, 30)


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.RETURNED, Status.CANCELLED, Status.DROPPED])
def test_activate_is_refused_unless_queued(status, now):
    reservation = Reservation(days=3, status=status)
    with pytest.raises(InvalidTransition) as info:
        reservation.activate(at=now, price=3_000, discount=0)
    assert info.value.status == 409
    assert reservation.status == status
    assert reservation.starts_at is None


@pytest.mark.parametrize("end", [Status.RETURNED, Status.EXPIRED, Status.ENDED_BY_ADMIN])
def test_finish_ends_an_active_reservation_with_its_reason(customer, book, now, end):
    reservation = Reservation.objects.create(customer=customer, book=book, days=3, **active_fields(now))

    reservation.finish(status=end, at=now + DAY)
    reservation.save()

    reservation.refresh_from_db()
    assert reservation.status == end
    assert reservation.end_reason == end
    assert reservation.ended_at == now + DAY


@pytest.mark.parametrize(
    ("current", "end"),
    [
        (Status.QUEUED, Status.RETURNED),
        (Status.RETURNED, Status.EXPIRED),
        (Status.EXPIRED, Status.RETURNED),
        (Status.ACTIVE, Status.CANCELLED),
        (Status.ACTIVE, Status.DROPPED),
        (Status.ACTIVE, Status.ACTIVE),
    ],
)
def test_finish_is_refused_unless_active_and_ending(current, end, now):
    reservation = Reservation(days=3, status=current)
    with pytest.raises(InvalidTransition):
        reservation.finish(status=end, at=now)
    assert reservation.status == current
    assert reservation.ended_at is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Status.CANCELLED, EndReason.LEFT_QUEUE),
        (Status.CANCELLED, EndReason.REMOVED_BY_ADMIN),
        (Status.DROPPED, EndReason.INSUFFICIENT_FUNDS),
    ],
)
def test_leave_queue_takes_a_queued_entry_out(customer, book, now, status, reason):
    reservation = Reservation.objects.create(customer=customer, book=book, days=3, requested_at=now)

    reservation.leave_queue(status=status, at=now + DAY, reason=reason)
    reservation.save()

    reservation.refresh_from_db()
    assert (reservation.status, reservation.end_reason, reservation.ended_at) == (status, reason, now + DAY)


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (Status.ACTIVE, Status.CANCELLED),
        (Status.DROPPED, Status.CANCELLED),
        (Status.CANCELLED, Status.DROPPED),
        (Status.QUEUED, Status.RETURNED),
        (Status.QUEUED, Status.ACTIVE),
    ],
)
def test_leave_queue_is_refused_unless_queued_and_leaving(current, status, now):
    reservation = Reservation(days=3, status=current)
    with pytest.raises(InvalidTransition):
        reservation.leave_queue(status=status, at=now, reason=EndReason.LEFT_QUEUE)
    assert reservation.status == current
    assert reservation.ended_at is None


# Reservation constraints ------------------------------------------------------------------


def test_second_live_reservation_of_same_book_is_rejected_by_the_database_R8(customer, book, now):
    Reservation.objects.create(customer=customer, book=book, days=3, requested_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(customer=customer, book=book, days=3, **active_fields(now))
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(customer=customer, book=book, days=2, requested_at=now + DAY)
    assert Reservation.objects.filter(customer=customer, book=book).count() == 1


def test_ended_reservations_do_not_block_a_new_live_one_R8(customer, book, now):
    for status in (Status.CANCELLED, Status.DROPPED):
        Reservation.objects.create(customer=customer, book=book, days=3, status=status, ended_at=now)
    Reservation.objects.create(customer=customer, book=book, days=3, requested_at=now)
    assert Reservation.objects.filter(customer=customer, book=book).count() == 3


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.ACTIVE, "starts_at": "now", "ends_at": "later", "discount": 0},  # no price
        {"status": Status.ACTIVE, "starts_at": "now", "price": 3_000, "discount": 0},  # no end
        {"status": Status.ACTIVE, "starts_at": "later", "ends_at": "now", "price": 3_000, "discount": 0},
        {"status": Status.QUEUED, "price": 3_000},
        {"status": Status.QUEUED, "starts_at": "now"},
        {"status": Status.QUEUED, "ended_at": "now"},
        {"status": Status.RETURNED, "starts_at": "now", "ends_at": "later", "price": 3_000},  # no ended_at
        {"status": Status.RETURNED, "starts_at": "now", "price": 3_000, "ended_at": "now"},  # no end
        {"status": Status.CANCELLED},  # no ended_at
        {"status": Status.DROPPED, "starts_at": "now", "ended_at": "now"},
        {"status": "lost"},
    ],
    ids=[
        "active_no_price",
        "active_no_end",
        "active_ends_before_start",
        "queued_with_price",
        "queued_with_start",
        "queued_with_ended_at",
        "returned_no_ended_at",
        "returned_no_end",
        "cancelled_no_ended_at",
        "dropped_with_start",
        "unknown_status",
    ],
)
def test_fields_must_match_the_status(customer, book, now, fields):
    times = {"now": now, "later": now + 3 * DAY}
    values = {key: times.get(value, value) for key, value in fields.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(customer=customer, book=book, days=3, **values)
    assert not Reservation.objects.exists()


@pytest.mark.parametrize("days", [0, 15])
def test_days_out_of_range_are_rejected_R4(customer, book, now, days):
    reservation = Reservation(customer=customer, book=book, days=days, requested_at=now)
    with pytest.raises(ValidationError) as info:
        reservation.full_clean()
    assert "days" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        reservation.save()


@pytest.mark.parametrize(("price", "discount"), [(-1, 0), (3_000, 101)])
def test_price_not_negative_and_discount_at_most_100(customer, book, now, price, discount):
    fields = active_fields(now) | {"price": price, "discount": discount}
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(customer=customer, book=book, days=3, **fields)


# Book ----------------------------------------------------------------------------------------


def test_book_cannot_have_more_units_on_loan_than_units_R9(book):
    with pytest.raises(IntegrityError), transaction.atomic():
        Book.objects.filter(pk=book.pk).update(units_on_loan=book.units + 1)
    book.refresh_from_db()
    assert book.units_on_loan == 0


def test_book_units_cannot_be_negative(book):
    book.units = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        book.save(update_fields=["units"])  # units are service-owned: a full save leaves them out (R27)
    book.refresh_from_db()
    assert book.units == 2


def test_book_clean_rejects_units_below_units_on_loan(book):
    Book.objects.filter(pk=book.pk).update(units_on_loan=2)
    book.refresh_from_db()
    book.units = 1
    with pytest.raises(ValidationError) as info:
        book.full_clean()
    assert "units" in info.value.message_dict


def _new_book(isbn: str) -> Book:
    return Book(title="Dune", isbn=isbn, price=250_000, genre=GenreFactory(), units=1)


@pytest.mark.parametrize("isbn", ["0306406152", "9780306406157", "080442957X", "080442957x"])
def test_valid_isbn10_and_isbn13_are_accepted(isbn):
    book = _new_book(isbn)
    book.full_clean()
    assert book.isbn == isbn.upper()


@pytest.mark.parametrize("isbn", ["0306406153", "9780306406158", "978030640615", "abcdefghij", ""])
def test_isbn_with_bad_checksum_or_shape_is_rejected(isbn):
    with pytest.raises(ValidationError) as info:
        _new_book(isbn).full_clean()
    assert "isbn" in info.value.message_dict


# Customer ------------------------------------------------------------------------------------


def test_tier_is_in_force_only_until_the_subscription_ends_R5(make_customer, now):
    plus = make_customer(Tier.PLUS, ends_in=DAY)
    assert plus.tier_at(now) == Tier.PLUS
    assert plus.rule_at(now).max_active == 5
    assert plus.tier_at(now + DAY - timedelta(seconds=1)) == Tier.PLUS
    assert plus.tier_at(now + DAY) == Tier.FREE
    assert plus.rule_at(now + DAY) is None
    assert make_customer(Tier.PREMIUM).rule_at(now).max_days == 14
    assert make_customer(Tier.FREE).tier_at(now) == Tier.FREE


def test_paid_tier_without_end_is_rejected(make_customer):
    customer = make_customer(Tier.PLUS)
    customer.subscription_ends_at = None
    with pytest.raises(ValidationError) as info:
        customer.full_clean()
    assert "subscription_ends_at" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(subscription_ends_at=None)


def test_wallet_balance_cannot_be_negative_R19(make_customer):
    customer = make_customer(Tier.PLUS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(balance=-1)


def test_isbn_with_separators_is_stored_compact():
    from catalog.tests.factories import BookFactory

    book = BookFactory.build(isbn="978-0-306-40615-7", genre=GenreFactory())
    book.full_clean()
    assert book.isbn == "9780306406157"
