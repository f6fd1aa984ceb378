"""Pausing and resuming a queued place (R30) through reservations.pauses, and its notice (R32)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts.models import Notification, Tier
from catalog.models import Book
from catalog.selectors import with_availability
from core.formatting import local_date
from reservations.exceptions import InvalidPauseDate, NotReservationOwner, ReservationNotQueued
from reservations.models import Reservation, Status
from reservations.pauses import pause, pause_days, resume, resume_due_pauses, resume_moment
from reservations.queue import serve_queue
from reservations.selectors import holders_and_queue, position_in_queue, queue_places, wait_if_joined
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import DAY, HOUR, MINUTE, assert_book_consistent, assert_promoted

pytestmark = pytest.mark.django_db


def tomorrow(now):
    return pause_days(now)[0]


@pytest.fixture
def queue_of_three(make_customer, occupied_book, now):
    """The occupied book with three Plus customers queued in order: (book, holder, loan, entries)."""
    book, holder, loan = occupied_book
    entries = [
        reserve(customer=make_customer(Tier.PLUS, balance=20_000), book=book, days=2, now=now + i * MINUTE)
        for i in range(1, 4)
    ]
    return book, holder, loan, entries


# R30: pausing ----------------------------------------------------------------------------


def test_pausing_sets_midnight_of_the_day_in_the_time_zone_and_keeps_the_place_R30(queue_of_three, now):
    _, _, _, (first, _, _) = queue_of_three
    day = tomorrow(now) + timedelta(days=4)

    paused = pause(customer=first.customer, reservation=first, until=day, now=now + HOUR)

    first.refresh_from_db()
    assert first.status == Status.QUEUED and first.paused_until == paused.paused_until
    local = timezone.localtime(first.paused_until, timezone.get_default_timezone())
    assert (local.date(), local.hour, local.minute) == (day, 0, 0)
    assert first.requested_at == now + MINUTE  # keeps its request time, so its place
    assert first.is_paused(now + HOUR)


def test_pausing_again_moves_the_day_R30(queue_of_three, now):
    _, _, _, (first, _, _) = queue_of_three
    pause(customer=first.customer, reservation=first, until=tomorrow(now), now=now)
    pause(customer=first.customer, reservation=first, until=tomorrow(now) + timedelta(days=9), now=now)
    first.refresh_from_db()
    assert first.paused_until == resume_moment(tomorrow(now) + timedelta(days=9))


@pytest.mark.parametrize("offset", [-1, 0, 60, 400])
def test_a_day_before_tomorrow_or_past_60_days_is_refused_R30(queue_of_three, now, offset):
    _, _, _, (first, _, _) = queue_of_three
    today = timezone.localdate(now, timezone.get_default_timezone())
    day = today + timedelta(days=offset) if offset != 60 else today + timedelta(days=61)

    with pytest.raises(InvalidPauseDate) as refused:
        pause(customer=first.customer, reservation=first, until=day, now=now)

    assert refused.value.code == "invalid_pause_date" and refused.value.status == 400
    first.refresh_from_db()
    assert first.paused_until is None


def test_the_60th_day_is_allowed_R30(queue_of_three, now):
    _, _, _, (first, _, _) = queue_of_three
    last = pause_days(now)[1]
    assert last == timezone.localdate(now, timezone.get_default_timezone()) + timedelta(days=60)
    assert pause(customer=first.customer, reservation=first, until=last, now=now).paused_until == resume_moment(last)


def test_a_datetime_or_text_is_not_a_day_R30(queue_of_three, now):
    _, _, _, (first, _, _) = queue_of_three
    for until in (now + 2 * DAY, "2030-01-01", None):
        with pytest.raises(InvalidPauseDate):
            pause(customer=first.customer, reservation=first, until=until, now=now)


def test_pausing_or_resuming_an_active_or_ended_reservation_is_refused_R30(occupied_book, now):
    book, holder, loan = occupied_book
    for service, extra in ((pause, {"until": tomorrow(now)}), (resume, {})):
        with pytest.raises(ReservationNotQueued) as refused:
            service(customer=holder, reservation=loan, now=now, **extra)
        assert refused.value.code == "reservation_not_queued" and refused.value.status == 409
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    with pytest.raises(ReservationNotQueued):
        pause(customer=holder, reservation=loan, until=tomorrow(now), now=now + HOUR)


def test_another_customers_place_is_refused_R30(queue_of_three, now):
    _, _, _, (first, second, _) = queue_of_three
    with pytest.raises(NotReservationOwner):
        pause(customer=second.customer, reservation=first, until=tomorrow(now), now=now)
    with pytest.raises(NotReservationOwner):
        resume(customer=second.customer, reservation=first, now=now)


# R30: a paused place is skipped, not dropped ------------------------------------------------


def test_a_paused_place_is_skipped_at_release_and_the_next_waiting_is_served_R30_R13(queue_of_three, now):
    book, holder, loan, (first, second, third) = queue_of_three
    pause(customer=first.customer, reservation=first, until=tomorrow(now) + timedelta(days=3), now=now + HOUR)

    return_reservation(customer=holder, reservation=loan, now=now + 2 * HOUR)

    assert_promoted(second, second.customer, now + 2 * HOUR)
    first.refresh_from_db()
    assert first.status == Status.QUEUED and first.paused_until is not None  # skipped, not dropped
    assert position_in_queue(first, now + 2 * HOUR) == 1  # the place it takes back: third is behind it
    assert position_in_queue(third, now + 2 * HOUR) == 1  # the only one waiting
    assert_book_consistent(book)


def test_positions_count_only_waiting_entries_ahead_R30_R14(queue_of_three, now):
    book, _, _, (first, second, third) = queue_of_three
    pause(customer=second.customer, reservation=second, until=tomorrow(now), now=now)
    at = now + HOUR
    assert [position_in_queue(r, at) for r in (first, second, third)] == [1, 2, 2]
    places = queue_places([first, second, third], at)
    assert [places[r.pk].position for r in (first, second, third)] == [1, 2, 2]
    second.refresh_from_db()
    assert places[second.pk].estimated_wait >= second.paused_until - at  # waits at least until it resumes
    assert wait_if_joined(book, at).position == 3  # a newcomer is behind the two waiting
    # queue_length counts the waiting only
    assert with_availability(Book.objects.filter(pk=book.pk), at).get().queue_length == 2


def test_the_holders_view_marks_paused_places_R30_R25(queue_of_three, now):
    book, _, _, (first, second, third) = queue_of_three
    pause(customer=first.customer, reservation=first, until=tomorrow(now), now=now)
    queue = holders_and_queue(book, now + HOUR)["queue"]
    assert [entry.reservation.pk for entry in queue] == [first.pk, second.pk, third.pk]  # R12 order kept
    assert [entry.place for entry in queue] == [1, 1, 2]
    assert queue[0].paused_until == resume_moment(tomorrow(now)) and queue[1].paused_until is None


def test_a_pause_whose_moment_has_come_counts_as_resumed_without_the_worker_R30(queue_of_three, now):
    book, holder, loan, (first, second, _) = queue_of_three
    pause(customer=first.customer, reservation=first, until=tomorrow(now), now=now)
    moment = resume_moment(tomorrow(now))
    assert loan.ends_at > moment + HOUR

    return_reservation(customer=holder, reservation=loan, now=moment + HOUR)  # the beat never ran

    assert_promoted(first, first.customer, moment + HOUR)
    first.refresh_from_db()
    assert first.paused_until is None  # activate() clears it
    second.refresh_from_db()
    assert second.status == Status.QUEUED


def test_a_unit_free_beside_paused_places_goes_to_a_newcomer_R30(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    waiting = make_customer(Tier.PLUS, balance=20_000)
    entry = reserve(customer=waiting, book=book, days=2, now=now + MINUTE)
    pause(customer=waiting, reservation=entry, until=tomorrow(now) + timedelta(days=5), now=now + MINUTE)
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    book.refresh_from_db()
    assert book.free_units == 1  # nobody waiting took it

    newcomer = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=newcomer, book=book, days=2, now=now + 2 * HOUR)

    assert loan.status == Status.ACTIVE
    entry.refresh_from_db()
    assert entry.status == Status.QUEUED


def test_a_newcomer_does_not_take_a_unit_from_a_place_whose_pause_has_come_R30_R13(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=holder, book=book, days=1, now=now)
    waiting = make_customer(Tier.PLUS, balance=20_000)
    entry = reserve(customer=waiting, book=book, days=2, now=now + MINUTE)
    pause(customer=waiting, reservation=entry, until=tomorrow(now) + timedelta(days=5), now=now + MINUTE)
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)  # a unit free beside the pause
    moment = resume_moment(tomorrow(now) + timedelta(days=5))

    newcomer = make_customer(Tier.PLUS, balance=20_000)
    queued = reserve(customer=newcomer, book=book, days=2, now=moment + MINUTE)  # the beat never ran

    assert_promoted(entry, waiting, moment + MINUTE)
    assert queued.status == Status.QUEUED
    assert_book_consistent(book)


# R30: resuming ------------------------------------------------------------------------------


def test_resuming_clears_the_pause_and_is_idempotent_R30(queue_of_three, now):
    _, _, _, (first, _, _) = queue_of_three
    pause(customer=first.customer, reservation=first, until=tomorrow(now), now=now)
    resumed = resume(customer=first.customer, reservation=first, now=now + HOUR)
    assert resumed.paused_until is None and resumed.status == Status.QUEUED
    again = resume(customer=first.customer, reservation=first, now=now + 2 * HOUR)  # not paused: as it is
    assert again.paused_until is None and again.status == Status.QUEUED
    assert not Notification.objects.filter(kind=Notification.Kind.RESUMED).exists()  # resumed by hand


def test_resuming_while_a_unit_is_free_serves_the_queue_at_once_R30_R13(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    waiting = make_customer(Tier.PLUS, balance=20_000)
    entry = reserve(customer=waiting, book=book, days=2, now=now + MINUTE)
    pause(customer=waiting, reservation=entry, until=tomorrow(now) + timedelta(days=5), now=now + MINUTE)
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)

    resumed = resume(customer=waiting, reservation=entry, now=now + 2 * HOUR)

    assert resumed.status == Status.ACTIVE and resumed.starts_at == now + 2 * HOUR
    assert_promoted(entry, waiting, now + 2 * HOUR)
    assert_book_consistent(book)


def test_serve_queue_promotes_a_place_whose_pause_has_come_R30(make_customer, make_book, now):
    book = make_book(units=1)
    waiting = make_customer(Tier.PLUS, balance=20_000)
    holder = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    entry = reserve(customer=waiting, book=book, days=2, now=now + MINUTE)
    pause(customer=waiting, reservation=entry, until=tomorrow(now), now=now + MINUTE)
    Reservation.objects.filter(pk=loan.pk).update(status=Status.RETURNED, ended_at=now + HOUR)
    Book.objects.filter(pk=book.pk).update(units_on_loan=0)
    locked = Book.objects.get(pk=book.pk)

    assert serve_queue(book=locked, now=now + 2 * HOUR) == []  # still paused
    [promoted] = serve_queue(book=locked, now=resume_moment(tomorrow(now)))
    assert promoted.pk == entry.pk


# R30, R32: the beat's resume -----------------------------------------------------------------


def _resumed_notices(customer):
    return list(Notification.objects.filter(user=customer.user, kind=Notification.Kind.RESUMED))


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "Your place in the queue for “{title}” has resumed"), ("fa", "نوبت شما در صف «{title}» از سر گرفته شد")],
)
def test_the_beat_resumes_due_pauses_and_notifies_once_in_the_users_language_R30_R32(
    queue_of_three, now, language, says
):
    book, _, _, (first, second, _) = queue_of_three
    first.customer.user.language = language
    first.customer.user.save(update_fields=["language"])
    pause(customer=first.customer, reservation=first, until=tomorrow(now), now=now)
    pause(customer=second.customer, reservation=second, until=tomorrow(now) + timedelta(days=2), now=now)
    moment = resume_moment(tomorrow(now))

    assert resume_due_pauses(now=moment - MINUTE) == 0
    assert resume_due_pauses(now=moment + MINUTE) == 1
    assert resume_due_pauses(now=moment + 2 * MINUTE) == 0  # safe to run twice: told once

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.paused_until is None and first.status == Status.QUEUED  # no unit free: still waiting
    assert second.paused_until is not None
    [notice] = _resumed_notices(first.customer)
    assert says.format(title=book.title) in notice.message
    with translation.override(language):
        assert local_date(moment) in notice.message
    assert _resumed_notices(second.customer) == []


def test_the_beat_serves_a_free_unit_to_a_resumed_place_R30_R13(make_customer, make_book, now):
    book = make_book(units=1)
    holder = make_customer(Tier.PLUS, balance=20_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    waiting = make_customer(Tier.PLUS, balance=20_000)
    entry = reserve(customer=waiting, book=book, days=2, now=now + MINUTE)
    pause(customer=waiting, reservation=entry, until=tomorrow(now), now=now + MINUTE)
    return_reservation(customer=holder, reservation=loan, now=now + HOUR)
    moment = resume_moment(tomorrow(now))

    assert resume_due_pauses(now=moment + MINUTE) == 1

    assert_promoted(entry, waiting, moment + MINUTE)
    assert len(_resumed_notices(waiting)) == 1
    assert_book_consistent(book)
