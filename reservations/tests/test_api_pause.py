"""Pausing and resuming over REST: POST reservations/{id}/pause/ {until} and .../resume/ (R30)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Tier
from bookstore.tests.api_assertions import assert_error
from reservations.models import Status
from reservations.pauses import pause, pause_days, resume_moment
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import MINUTE, detail_url

pytestmark = pytest.mark.django_db


def first_day():
    return pause_days(timezone.now())[0]


@pytest.fixture
def queued_twice(plus, make_customer, held_book, now):
    """`plus` queued first for the held book, another Plus customer behind: (book, loan, mine, theirs)."""
    book, loan = held_book
    mine = reserve(customer=plus, book=book, days=2, now=now)
    theirs = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now + MINUTE)
    return book, loan, mine, theirs


def test_pause_answers_200_with_the_reservation_paused_R30(client_for, plus, queued_twice):
    _, _, mine, _ = queued_twice
    day = first_day() + timedelta(days=6)

    response = client_for(plus.user).post(f"{detail_url(mine)}pause/", {"until": day.isoformat()}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "queued" and body["position"] == 1  # the place it takes back
    assert parse_datetime(body["paused_until"]) == resume_moment(day)
    assert body["paused_until"].endswith("+03:30")  # 00:00 in TIME_ZONE (Asia/Tehran)


@pytest.mark.parametrize(
    ("until", "code"),
    [("tomorrow", "invalid"), ("", "invalid"), (None, "invalid"), ("2026-02-30", "invalid"), ("TODAY", "range")],
)
def test_a_bad_day_is_400_R30_R26(client_for, plus, queued_twice, until, code):
    _, _, mine, _ = queued_twice
    if until == "TODAY":
        until = (first_day() - timedelta(days=1)).isoformat()

    response = client_for(plus.user).post(f"{detail_url(mine)}pause/", {"until": until}, format="json")

    if code == "range":
        assert_error(response, 400, "invalid_pause_date")
    else:
        assert response.status_code == 400 and "until" in response.json()["errors"], response.content


def test_61_days_ahead_is_400_and_60_is_fine_R30(client_for, plus, queued_twice):
    _, _, mine, _ = queued_twice
    last = pause_days(timezone.now())[1]
    client = client_for(plus.user)
    too_far = client.post(f"{detail_url(mine)}pause/", {"until": (last + timedelta(days=1)).isoformat()}, format="json")
    assert_error(too_far, 400, "invalid_pause_date")
    assert client.post(f"{detail_url(mine)}pause/", {"until": last.isoformat()}, format="json").status_code == 200


def test_pausing_a_loan_is_409_and_anothers_place_404_R30(client_for, plus, queued_twice, make_book, now):
    _, _, _, theirs = queued_twice
    loan = reserve(customer=plus, book=make_book(units=1), days=2, now=now)
    client = client_for(plus.user)
    body = {"until": first_day().isoformat()}

    assert_error(client.post(f"{detail_url(loan)}pause/", body, format="json"), 409, "reservation_not_queued")
    assert_error(client.post(f"{detail_url(loan)}resume/"), 409, "reservation_not_queued")
    assert_error(client.post(f"{detail_url(theirs)}pause/", body, format="json"), 404, "not_found")
    assert_error(client.post(f"{detail_url(theirs)}resume/"), 404, "not_found")


def test_resume_answers_200_and_a_free_copy_goes_to_the_place_R30_R13(client_for, plus, queued_twice, now):
    book, loan, mine, theirs = queued_twice
    pause(customer=plus, reservation=mine, until=first_day() + timedelta(days=3), now=now)
    pause(customer=theirs.customer, reservation=theirs, until=first_day(), now=now)
    return_reservation(customer=loan.customer, reservation=loan, now=now + MINUTE)  # both paused: a copy free

    response = client_for(plus.user).post(f"{detail_url(mine)}resume/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active" and body["paused_until"] is None
    theirs.refresh_from_db()
    assert theirs.status == Status.QUEUED


def test_resuming_a_place_not_paused_is_200_as_it_is_R30(client_for, plus, queued_twice):
    _, _, mine, _ = queued_twice
    response = client_for(plus.user).post(f"{detail_url(mine)}resume/")
    assert response.status_code == 200 and response.json()["status"] == "queued"


def test_a_paused_place_shows_its_day_in_the_list_and_others_count_only_waiting_R30(client_for, plus, queued_twice):
    _, _, mine, theirs = queued_twice
    pause(customer=plus, reservation=mine, until=first_day())
    body = client_for(theirs.customer.user).get(detail_url(theirs)).json()
    assert body["position"] == 1  # the paused place ahead is not counted
    listed = client_for(plus.user).get("/api/v1/reservations/?status=queued").json()["results"]
    assert [(row["id"], row["position"]) for row in listed] == [(mine.pk, 1)]
    assert listed[0]["paused_until"]
