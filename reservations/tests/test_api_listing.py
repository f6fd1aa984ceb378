"""GET reservations/ and reservations/{id}/: who sees what, filters, pages, queue places (R14, R22, R23)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Tier
from bookstore.tests.api_assertions import assert_error, assert_invalid
from reservations.estimates import forget_catalog_history
from reservations.models import Status
from reservations.selectors import estimated_wait, position_in_queue, queue_places
from reservations.services import reserve
from reservations.tests.conftest import MINUTE, URL, detail_url

pytestmark = pytest.mark.django_db


# --- GET reservations/ -------------------------------------------------------------


def test_customer_lists_only_their_own_reservations(client_for, plus, make_customer, make_book, now):
    mine = reserve(customer=plus, book=make_book(), days=1, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=make_book(), days=1, now=now)

    body = client_for(plus.user).get(URL).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1 and [r["id"] for r in body["results"]] == [mine.pk]


def test_admin_lists_everyones_reservations_newest_first(client_for, admin, plus, make_customer, make_book, now):
    older = reserve(customer=plus, book=make_book(), days=1, now=now - MINUTE)
    newer = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=make_book(), days=1, now=now)

    body = client_for(admin).get(URL).json()

    assert [r["id"] for r in body["results"]] == [newer.pk, older.pk]


def test_list_filters_by_status(client_for, plus, held_book, make_book, now):
    book, _ = held_book
    active = reserve(customer=plus, book=make_book(), days=1, now=now)
    queued = reserve(customer=plus, book=book, days=1, now=now)
    client = client_for(plus.user)

    queued_only = client.get(URL, {"status": "queued"}).json()
    active_only = client.get(URL, {"status": "active"}).json()

    assert [r["id"] for r in queued_only["results"]] == [queued.pk]
    assert queued_only["results"][0]["position"] == 1
    assert [r["id"] for r in active_only["results"]] == [active.pk]
    assert client.get(URL, {"status": "returned"}).json()["count"] == 0


@pytest.mark.parametrize("value", ["bogus", "ACTIVE", "x" * 10_000])
def test_list_with_an_unknown_status_gets_400(client_for, plus, value):
    response = client_for(plus.user).get(URL, {"status": value})

    assert_invalid(response, "status")


def test_list_is_paginated_with_page_size(client_for, plus, make_book, now):
    for minutes in range(3):
        reserve(customer=plus, book=make_book(), days=1, now=now + minutes * MINUTE)
    client = client_for(plus.user)

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(URL, {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"] and first["previous"] is None
    assert len(second["results"]) == 1 and second["next"] is None
    assert_error(client.get(URL, {"page": 99}), 404, "not_found")


def test_list_queries_do_not_grow_with_queued_rows_R14(client_for, plus, make_customer, make_book, now):
    """Positions and waits of a whole page come from a fixed number of queries."""
    client = client_for(plus.user)

    def queue_for_new_book():
        book = make_book(units=1)
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
        reserve(customer=plus, book=book, days=1, now=now)

    queue_for_new_book()
    forget_catalog_history()  # R31's cached history: read by both requests
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).json()["count"] == 1
    for _ in range(5):
        queue_for_new_book()
    forget_catalog_history()
    with CaptureQueriesContext(connection) as six:
        body = client.get(URL).json()

    assert body["count"] == 6 and all(r["position"] == 1 for r in body["results"])
    assert len(six) == len(one)


# --- GET reservations/{id}/ --------------------------------------------------------


def test_detail_shows_own_reservation(client_for, plus, make_book, now):
    reservation = reserve(customer=plus, book=make_book(), days=2, now=now)

    response = client_for(plus.user).get(detail_url(reservation))

    assert response.status_code == 200
    assert response.json()["id"] == reservation.pk and response.json()["status"] == "active"


def test_another_customers_reservation_is_404(client_for, plus, make_customer, make_book, now):
    theirs = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=make_book(), days=1, now=now)
    client = client_for(plus.user)

    for method, url in [
        ("get", detail_url(theirs)),
        ("delete", detail_url(theirs)),
        ("post", f"{detail_url(theirs)}return/"),
    ]:
        assert_error(getattr(client, method)(url), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.status == Status.ACTIVE


def test_admin_sees_any_reservation(client_for, admin, plus, make_book, now):
    reservation = reserve(customer=plus, book=make_book(), days=1, now=now)

    response = client_for(admin).get(detail_url(reservation))

    assert response.status_code == 200 and response.json()["customer"] == plus.pk


@pytest.mark.parametrize("pk", [999_999_999, 10**20])
def test_unknown_reservation_is_404_not_500(client_for, plus, admin, pk):
    assert_error(client_for(plus.user).get(f"{URL}{pk}/"), 404, "not_found")
    assert_error(client_for(admin).post(f"{URL}{pk}/end/"), 404, "not_found")


def test_authors_cannot_list_or_see_reservations_R22(client_for, author, plus, make_book, now):
    reservation = reserve(customer=plus, book=make_book(), days=1, now=now)
    client = client_for(author)

    assert_error(client.get(URL), 403, "permission_denied")
    assert_error(client.get(detail_url(reservation)), 403, "permission_denied")


def test_put_on_a_reservation_gets_405_R23(client_for, plus, make_book, now):
    reservation = reserve(customer=plus, book=make_book(), days=1, now=now)

    response = client_for(plus.user).put(detail_url(reservation), {"status": "returned"}, format="json")

    assert_error(response, 405, "method_not_allowed")


# --- queue_places: the batch read behind the list -----------------------------------


def test_queue_places_agree_with_position_and_estimated_wait_R14(make_customer, make_book, now):
    """The list's batch read gives the same answers as the one-by-one selectors."""
    book = make_book(units=2)
    for days in (3, 5):
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=days, now=now)
    entries = [
        reserve(customer=make_customer(tier, balance=10_000), book=book, days=days, now=now + i * MINUTE)
        for i, (tier, days) in enumerate(
            [(Tier.PLUS, 2), (Tier.PREMIUM, 7), (Tier.PLUS, 4), (Tier.PREMIUM, 1), (Tier.PLUS, 6)], start=1
        )
    ]
    other_book = make_book(units=0)
    empty_shelf = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=other_book, days=1, now=now)
    at = now + 10 * MINUTE

    places = queue_places([*entries, empty_shelf], at)

    for entry in entries:
        assert places[entry.pk].position == position_in_queue(entry, at)
        assert places[entry.pk].estimated_wait == estimated_wait(entry, at)
    assert places[empty_shelf.pk].position == 1 and places[empty_shelf.pk].estimated_wait is None
