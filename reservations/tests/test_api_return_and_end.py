"""Ending a loan over REST: .../return/ by its customer (R15), .../end/ by an admin (R25), overdue (R16)."""

import pytest
from django.utils.dateparse import parse_datetime

from accounts.models import Tier
from bookstore.tests.api_assertions import assert_error
from reservations.models import Status
from reservations.services import reserve
from reservations.tests.conftest import DAY, detail_url

pytestmark = pytest.mark.django_db


# --- POST reservations/{id}/return/ -------------------------------------------------


def test_return_answers_200_and_serves_the_queue_R15_R13(client_for, plus, make_customer, make_book, now):
    book = make_book(units=1)
    loan = reserve(customer=plus, book=book, days=3, now=now)
    waiting = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)

    response = client_for(plus.user).post(f"{detail_url(loan)}return/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["end_reason"]) == ("returned", "returned") and body["ended_at"]
    waiting.refresh_from_db()
    assert waiting.status == Status.ACTIVE
    plus.refresh_from_db()
    assert plus.balance == 47_000  # no refund (R15)


def test_returning_a_queued_reservation_gets_409(client_for, plus, held_book, now):
    book, _ = held_book
    queued = reserve(customer=plus, book=book, days=1, now=now)

    response = client_for(plus.user).post(f"{detail_url(queued)}return/")

    assert_error(response, 409, "reservation_not_active")


def test_returning_twice_gets_409(client_for, plus, make_book, now):
    loan = reserve(customer=plus, book=make_book(), days=1, now=now)
    client = client_for(plus.user)
    assert client.post(f"{detail_url(loan)}return/").status_code == 200

    assert_error(client.post(f"{detail_url(loan)}return/"), 409, "reservation_not_active")


def test_only_customers_return_books(client_for, admin, author, held_book):
    _, loan = held_book
    for user in (admin, author):
        assert_error(client_for(user).post(f"{detail_url(loan)}return/"), 403, "permission_denied")


def test_return_after_the_end_answers_the_expired_reservation_R16(client_for, plus, make_book, now):
    """Past its end a loan has already expired by itself, even if the worker is late."""
    overdue = reserve(customer=plus, book=make_book(), days=1, now=now - 3 * DAY)

    response = client_for(plus.user).post(f"{detail_url(overdue)}return/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], parse_datetime(body["ended_at"])) == ("expired", overdue.ends_at)


# --- POST reservations/{id}/end/ ----------------------------------------------------


def test_admin_ends_an_active_reservation_and_the_queue_is_served_R25_R13(
    client_for, admin, plus, held_book, now, assert_wallet_consistent
):
    book, loan = held_book
    waiting = reserve(customer=plus, book=book, days=2, now=now)

    response = client_for(admin).post(f"{detail_url(loan)}end/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["end_reason"]) == (loan.pk, "ended_by_admin", "ended_by_admin")
    waiting.refresh_from_db()
    assert waiting.status == Status.ACTIVE and waiting.price == 2_000
    assert_wallet_consistent(plus)


def test_admin_ending_an_overdue_loan_records_its_expiry_R16_R25(client_for, admin, plus, make_book, now):
    """A loan past its end expired at ends_at (R16); an admin cannot end it later as ended_by_admin."""
    overdue = reserve(customer=plus, book=make_book(), days=1, now=now - 3 * DAY)

    response = client_for(admin).post(f"{detail_url(overdue)}end/")

    overdue.refresh_from_db()
    assert (overdue.status, overdue.ended_at) == (Status.EXPIRED, overdue.ends_at)
    assert response.status_code in {200, 409}


def test_ending_a_queued_reservation_gets_409(client_for, admin, plus, held_book, now):
    book, _ = held_book
    queued = reserve(customer=plus, book=book, days=1, now=now)

    assert_error(client_for(admin).post(f"{detail_url(queued)}end/"), 409, "reservation_not_active")


def test_only_admins_end_reservations_R25(client_for, plus, author, make_book, now):
    loan = reserve(customer=plus, book=make_book(), days=1, now=now)
    for user in (plus.user, author):
        assert_error(client_for(user).post(f"{detail_url(loan)}end/"), 403, "permission_denied")
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE
