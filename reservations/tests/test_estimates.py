"""R31's wait ranges read from the database: the book's before joining, each queued entry's, the API fields."""

from datetime import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Tier
from reservations.estimates import (
    CATALOG_HISTORY_KEY,
    book_expected_between,
    forget_catalog_history,
    queued_expected_between,
)
from reservations.models import Reservation
from reservations.selectors import reservation_list
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import DAY, HOUR, MINUTE, URL, detail_url

pytestmark = pytest.mark.django_db


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_free_unit_has_no_range_and_a_full_book_has_both_tiers_R31(make_book, occupied_book, now, api_client):
    free = make_book(units=2)
    assert book_expected_between(free, now) is None
    assert api_client.get(f"/api/v1/books/{free.pk}/").json()["expected_between"] is None
    book, _, loan = occupied_book
    ranges = book_expected_between(book, now)
    assert ranges["plus"][1] == ranges["premium"][1] == loan.ends_at  # nobody ahead: the loan's end
    body = api_client.get(f"/api/v1/books/{book.pk}/").json()["expected_between"]
    assert set(body) == {"plus", "premium"}
    for tier in ("plus", "premium"):
        earliest, latest = (iso(moment) for moment in body[tier])
        assert earliest <= latest
        assert iso(body[tier][1]).utcoffset() is not None


def test_premium_goes_ahead_of_waiting_plus_entries_and_is_never_later_R12_R31(occupied_book, make_customer, now):
    book, _, loan = occupied_book
    for minute in (1, 2):
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now + minute * MINUTE)
    ranges = book_expected_between(book, now + HOUR)
    assert ranges["premium"][1] == loan.ends_at
    assert ranges["plus"][1] >= loan.ends_at + 10 * DAY  # behind both 5-day loans
    assert ranges["premium"][0] <= ranges["plus"][0]


def test_a_paused_entry_ahead_is_skipped_R30_R31(occupied_book, make_customer, now):
    book, _, loan = occupied_book
    ahead = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=7, now=now + MINUTE)
    Reservation.objects.filter(pk=ahead.pk).update(paused_until=now + 30 * DAY)
    assert book_expected_between(book, now + HOUR)["plus"][1] == loan.ends_at
    assert queued_expected_between([Reservation.objects.select_related("book").get(pk=ahead.pk)], now + HOUR) == {
        ahead.pk: (now + 30 * DAY, now + 30 * DAY)
    }


def test_no_copy_owned_gives_each_tier_none_R31(make_book, now, api_client):
    book = make_book(units=0)
    assert book_expected_between(book, now) == {"plus": None, "premium": None}
    assert api_client.get(f"/api/v1/books/{book.pk}/").json()["expected_between"] == {"plus": None, "premium": None}


def test_early_returns_of_the_book_make_the_earliest_sooner_R31(make_book, make_customer, now):
    book = make_book(units=1)
    for day in range(25):  # 25 loans of 4 days, each returned after one: the book's own history
        start = now - (60 - 2 * day) * DAY
        reader = make_customer(Tier.PLUS, balance=10_000)
        loan = reserve(customer=reader, book=book, days=4, now=start)
        return_reservation(customer=reader, reservation=loan, now=start + DAY)
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=4, now=now)
    earliest, latest = book_expected_between(book, now + HOUR)["plus"]
    assert latest == loan.ends_at
    assert earliest == loan.starts_at + DAY


def test_the_queries_are_bounded_whatever_the_books_and_entries_R31(
    make_book, make_customer, now, django_assert_max_num_queries
):
    reader = make_customer(Tier.PLUS, balance=100_000)
    for _ in range(4):
        book = make_book(units=1)
        reserve(customer=make_customer(Tier.PREMIUM, balance=10_000), book=book, days=3, now=now)
        for minute in (1, 2, 3):
            reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now + minute * MINUTE)
        reserve(customer=reader, book=book, days=2, now=now + 4 * MINUTE)
    mine = list(reservation_list(customer=reader))
    queued_expected_between(mine, now + HOUR)  # the catalog's history now in the cache
    with django_assert_max_num_queries(2):
        ranges = queued_expected_between(mine, now + HOUR)
    assert len(ranges) == 4 and all(earliest <= latest for earliest, latest in ranges.values())
    forget_catalog_history()
    with django_assert_max_num_queries(3):
        queued_expected_between(mine, now + HOUR)


def test_a_queued_reservation_shows_its_range_in_the_api_and_an_active_one_none_R31(
    occupied_book, make_customer, client_for, now
):
    book, holder, loan = occupied_book
    reader = make_customer(Tier.PLUS, balance=10_000)
    entry = reserve(customer=reader, book=book, days=2, now=now + MINUTE)
    client = client_for(reader.user)
    one = client.get(detail_url(entry)).json()
    listed = client.get(URL).json()["results"][0]
    assert one["expected_between"][1] == listed["expected_between"][1]  # the earliest moves with the clock here
    earliest, latest = (iso(moment) for moment in one["expected_between"])
    assert latest == loan.ends_at and earliest <= latest
    assert client_for(holder.user).get(detail_url(loan)).json()["expected_between"] is None


def test_one_books_compiled_reads_match_the_many_books_reads_R31(occupied_book, make_book, make_customer, now):
    """The book page reads one book through compiled queries; the lists read many through the ORM: the same state."""
    from reservations.estimates import _book_states

    book, _, _ = occupied_book
    reserve(customer=make_customer(Tier.PREMIUM, balance=50_000), book=book, days=4, now=now + MINUTE)
    reserve(customer=make_customer(Tier.PLUS, balance=50_000), book=book, days=6, now=now + 2 * MINUTE)
    other = make_book(units=1)
    alone = _book_states({book.pk: book.units}, now + HOUR)[book.pk]
    among = _book_states({book.pk: book.units, other.pk: other.units}, now + HOUR)[book.pk]
    seen = [(state.units, state.loans, state.queue, state.ended, state.premium_requests) for state in (alone, among)]
    assert seen[0] == seen[1]
    assert len(alone.queue) == 2 and alone.loans and alone.premium_requests == 1


def test_the_catalogs_history_is_kept_in_the_process_for_a_minute_under_its_cache_key_R31(monkeypatch, settings, now):
    """Read once from the database (or the cache), then from the process until LOCAL_HISTORY_SECONDS
    pass; another cache key prefix (another site, or another test) is another history."""
    from reservations import estimates

    def reads_of_loans() -> int:
        with CaptureQueriesContext(connection) as captured:
            estimates.catalog_history(now)
        return sum("reservations_reservation" in query["sql"] for query in captured)

    clock = [1000.0]
    monkeypatch.setattr(estimates.time, "monotonic", lambda: clock[0])
    assert reads_of_loans() == 1
    cache.delete(CATALOG_HISTORY_KEY)
    assert reads_of_loans() == 0  # kept: neither the cache nor the database asked
    clock[0] += estimates.LOCAL_HISTORY_SECONDS
    cache.delete(CATALOG_HISTORY_KEY)
    assert reads_of_loans() == 1  # past the minute: read again
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "KEY_PREFIX": "another"}}
    cache.delete(CATALOG_HISTORY_KEY)
    assert reads_of_loans() == 1
    estimates.forget_catalog_history()
    assert reads_of_loans() == 1
