"""``POST reservations/{id}/renew/ {days}`` (R29): status codes and bodies."""

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from accounts.models import Notification, Tier
from bookstore.tests.api_assertions import assert_error, assert_invalid
from reservations.renewals import renew
from reservations.services import reserve, return_reservation
from reservations.tests.conftest import DAY, detail_url, ledger_rows

pytestmark = pytest.mark.django_db


def renew_url(reservation) -> str:
    return f"{detail_url(reservation)}renew/"


@pytest.fixture
def loan(plus, make_book, now):
    return reserve(customer=plus, book=make_book(units=1), days=3, now=now)


def test_renew_answers_200_with_the_renewed_reservation_R29(client_for, plus, loan, assert_wallet_consistent):
    response = client_for(plus.user).post(renew_url(loan), {"days": 5}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["days"], body["price"], body["renewals"]) == (
        loan.pk,
        "active",
        8,
        8_000,
        1,
    )
    assert body["discount"] == 0 and body["position"] is None
    assert parse_datetime(body["ends_at"]) == loan.ends_at + 5 * DAY
    assert parse_datetime(body["starts_at"]) == loan.starts_at
    assert Notification.objects.filter(user=plus.user, kind=Notification.Kind.RENEWED).count() == 1
    assert_wallet_consistent(plus)
    assert client_for(plus.user).get(detail_url(loan)).json()["renewals"] == 1


def test_another_customers_loan_is_404_R29(client_for, loan, make_customer):
    other = make_customer(Tier.PLUS, balance=10_000)
    assert_error(client_for(other.user).post(renew_url(loan), {"days": 1}, format="json"), 404, "not_found")


def test_only_customers_renew(client_for, api_client, loan, admin, author):
    assert_error(api_client.post(renew_url(loan), {"days": 1}, format="json"), 401, "not_authenticated")
    for user in (admin, author):
        assert_error(client_for(user).post(renew_url(loan), {"days": 1}, format="json"), 403, "permission_denied")


@pytest.mark.parametrize(("body", "field"), [({}, "days"), ({"days": "many"}, "days"), ({"days": 2, "x": 1}, "x")])
def test_a_malformed_body_is_400_invalid(client_for, plus, loan, body, field):
    assert_invalid(client_for(plus.user).post(renew_url(loan), body, format="json"), field)


@pytest.mark.parametrize("days", [0, 8])
def test_days_out_of_range_are_400_invalid_days_R4(client_for, plus, loan, days):
    assert_error(client_for(plus.user).post(renew_url(loan), {"days": days}, format="json"), 400, "invalid_days")


def test_a_waiting_reader_is_409_book_has_queue_R29(client_for, plus, loan, make_customer, now):
    reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=loan.book, days=2, now=now)
    rows = ledger_rows(plus)
    assert_error(client_for(plus.user).post(renew_url(loan), {"days": 2}, format="json"), 409, "book_has_queue")
    assert ledger_rows(plus) == rows


def test_a_third_renewal_is_409_renewal_limit_reached_R29(client_for, plus, loan, now):
    renew(customer=plus, reservation=loan, days=1, now=now)
    renew(customer=plus, reservation=loan, days=1, now=now)
    response = client_for(plus.user).post(renew_url(loan), {"days": 1}, format="json")
    assert_error(response, 409, "renewal_limit_reached")


def test_an_ended_or_queued_reservation_is_409_reservation_not_active_R29(client_for, plus, loan, make_book, now):
    held = make_book(units=0)
    queued = reserve(customer=plus, book=held, days=2, now=now)
    client = client_for(plus.user)
    assert_error(client.post(renew_url(queued), {"days": 1}, format="json"), 409, "reservation_not_active")
    return_reservation(customer=plus, reservation=loan, now=now)
    assert_error(client.post(renew_url(loan), {"days": 1}, format="json"), 409, "reservation_not_active")


def test_a_lapsed_subscription_is_403_subscription_required_R29(client_for, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=10_000, ends_in=-timedelta(seconds=1))
    loan = reserve(customer=customer, book=make_book(units=1), days=3, now=now - timedelta(minutes=1))
    response = client_for(customer.user).post(renew_url(loan), {"days": 1}, format="json")
    assert_error(response, 403, "subscription_required")


def test_a_short_wallet_is_402_with_the_shortfall_and_charge_url_R11_R29(client_for, make_customer, make_book, now):
    customer = make_customer(Tier.PLUS, balance=4_000)
    loan = reserve(customer=customer, book=make_book(units=1), days=3, now=now)  # 1,000 left

    body = assert_error(
        client_for(customer.user).post(renew_url(loan), {"days": 3}, format="json"), 402, "insufficient_funds"
    )

    assert body["shortfall"] == 2_000
    assert body["charge_url"].startswith("/api/v1/wallet/charge/?amount=")
    loan.refresh_from_db()
    assert (loan.days, loan.renewals) == (3, 0)


def test_a_refusal_speaks_persian_with_the_same_code_R40(client_for, plus, loan, now):
    renew(customer=plus, reservation=loan, days=1, now=now)
    renew(customer=plus, reservation=loan, days=1, now=now)
    response = client_for(plus.user).post(renew_url(loan), {"days": 1}, format="json", HTTP_ACCEPT_LANGUAGE="fa")
    body = assert_error(response, 409, "renewal_limit_reached")
    assert body["detail"] == "این امانت ۲ بار تمدید شده است، بیشترین تعدادی که یک امانت می‌تواند تمدید شود."
