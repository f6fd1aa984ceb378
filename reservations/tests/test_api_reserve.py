"""POST reservations/: reserve or queue, the refusals, the queries it costs (SPEC section 4, R1–R12, R26)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.duration import duration_iso_string

from accounts.models import Tier
from billing.models import WalletTransaction
from bookstore.tests.api_assertions import assert_error, assert_invalid
from reservations.models import Reservation
from reservations.services import reserve
from reservations.tests.conftest import MINUTE, URL, detail_url

pytestmark = pytest.mark.django_db


RESERVATION_FIELDS = {
    "id",
    "book",
    "book_title",
    "customer",
    "status",
    "days",
    "requested_at",
    "starts_at",
    "ends_at",
    "price",
    "discount",
    "ended_at",
    "end_reason",
    "position",
    "estimated_wait",
    "estimated_wait_seconds",
    "renewals",  # R29
    "paused_until",  # R30
    "expected_between",  # R31
}


# Reserved or queued ---------------------------------------------------------------


def test_reserve_free_unit_answers_201_active_and_charges_R9(client_for, plus, make_book, assert_wallet_consistent):
    book = make_book(units=1)

    response = client_for(plus.user).post(URL, {"book": book.pk, "days": 3}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RESERVATION_FIELDS
    reservation = Reservation.objects.get()
    assert response["Location"] == detail_url(reservation)
    assert body["id"] == reservation.pk and body["book"] == book.pk and body["customer"] == plus.pk
    assert body["book_title"] == book.title
    assert (body["status"], body["days"], body["price"], body["discount"]) == ("active", 3, 3_000, 0)
    assert body["starts_at"] and body["ends_at"] and body["requested_at"]
    assert (body["position"], body["estimated_wait"], body["estimated_wait_seconds"]) == (None, None, None)
    assert (body["ended_at"], body["end_reason"]) == (None, None)
    plus.refresh_from_db()
    assert plus.balance == 47_000
    assert_wallet_consistent(plus)


def test_reserve_without_free_unit_answers_202_queued_with_position_R12_R14(client_for, plus, held_book):
    book, loan = held_book

    response = client_for(plus.user).post(URL, {"book": book.pk, "days": 2}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == RESERVATION_FIELDS
    assert (body["status"], body["position"], body["price"], body["starts_at"]) == ("queued", 1, None, None)
    # The first in line waits for the running loan to end (about 3 days from now).
    seconds = (loan.ends_at - timezone.now()).total_seconds()
    assert abs(body["estimated_wait_seconds"] - seconds) < 60
    assert body["estimated_wait"] == duration_iso_string(timedelta(seconds=body["estimated_wait_seconds"]))
    assert body["estimated_wait"].startswith(("P2DT23H", "P3DT00H00M00S"))
    plus.refresh_from_db()
    assert plus.balance == 50_000  # nothing charged while queued (R12)


def test_queued_premium_is_placed_ahead_of_earlier_plus_R12(client_for, plus, make_customer, held_book):
    book, _ = held_book
    premium = make_customer(Tier.PREMIUM, balance=50_000)
    first = client_for(plus.user).post(URL, {"book": book.pk, "days": 2}, format="json").json()

    second = client_for(premium.user).post(URL, {"book": book.pk, "days": 2}, format="json").json()

    assert second["position"] == 1
    assert client_for(plus.user).get(f"{URL}{first['id']}/").json()["position"] == 2


def test_queued_for_a_book_with_no_units_has_no_estimated_wait_R14(client_for, plus, make_book):
    book = make_book(units=0)

    body = client_for(plus.user).post(URL, {"book": book.pk, "days": 2}, format="json").json()

    assert (body["status"], body["position"], body["estimated_wait"], body["estimated_wait_seconds"]) == (
        "queued",
        1,
        None,
        None,
    )


def test_premium_may_reserve_14_days_R3(client_for, make_customer, make_book):
    premium = make_customer(Tier.PREMIUM, balance=50_000)

    response = client_for(premium.user).post(URL, {"book": make_book().pk, "days": 14}, format="json")

    assert response.status_code == 201 and response.json()["days"] == 14


# What a reserve costs in queries --------------------------------------------------


def reserve_with_a_token(client, customer, book, days: int = 1) -> tuple[object, list[dict]]:
    """POST reservations/ with a real access token (so authentication is counted): the response and its queries."""
    from accounts.services import issue_tokens

    token = issue_tokens(customer.user)["access"]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL, {"book": book.pk, "days": days}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    return response, queries.captured_queries


def test_a_reserve_costs_one_query_and_a_transaction_of_nine_statements_issue_8(client, plus, make_book):
    """The user with its profile; then lock the book, lock the customer, read every check
    (R7, R8, R10, R16) in one statement, the four writes (make bench counts the same), and
    R32's look for queues the customer heads that the debit left unpaid (none here)."""
    response, queries = reserve_with_a_token(client, plus, make_book(units=2))
    assert response.status_code == 201, response.content
    # Inside the test's own transaction the service's BEGIN and COMMIT are a savepoint and its release.
    kinds = [query["sql"].split()[0] for query in queries]
    assert kinds == [
        "SELECT",
        "SAVEPOINT",
        "SELECT",
        "SELECT",
        "SELECT",
        "INSERT",
        "UPDATE",
        "UPDATE",
        "INSERT",
        "SELECT",
        "RELEASE",
    ]
    assert "FOR UPDATE" in queries[2]["sql"] and "FOR UPDATE" in queries[3]["sql"]
    assert queries[9]["sql"].startswith('SELECT "reservations_reservation"')


def test_a_reserve_refused_for_its_days_costs_only_the_users_query_R4_issue_8(client, plus, make_book):
    """make bench's floor (0 days) measures Django, DRF and the token's user, nothing else."""
    response, queries = reserve_with_a_token(client, plus, make_book(units=2), days=0)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_days"
    # Inside the test's own transaction the service's atomic block is a savepoint, rolled
    # back; outside it psycopg sends no BEGIN before a first statement, and none ran.
    assert [query["sql"].split()[0] for query in queries] == ["SELECT", "SAVEPOINT", "ROLLBACK", "RELEASE"]
    assert queries[0]["sql"].startswith('SELECT "accounts_user"')


def test_joining_a_queue_costs_the_same_transaction_less_the_charge_issue_8(client, plus, held_book):
    """No constraint is validated by a query of its own: the checks were made under the locks (R8)."""
    book, _loan = held_book
    response, queries = reserve_with_a_token(client, plus, book)
    assert response.status_code == 202, response.content
    kinds = [query["sql"].split()[0] for query in queries]
    assert kinds[:7] == ["SELECT", "SAVEPOINT", "SELECT", "SELECT", "SELECT", "INSERT", "RELEASE"]
    # the position and the wait (2), the wait range (R31: 2, and the catalog's history when not cached)
    assert kinds[7:] == ["SELECT"] * len(kinds[7:]) and len(kinds) <= 13


# Refused by the rules -------------------------------------------------------------


def test_free_customer_gets_403_subscription_required_R1(client_for, make_customer, make_book):
    free = make_customer(Tier.FREE, balance=50_000)

    response = client_for(free.user).post(URL, {"book": make_book().pk, "days": 1}, format="json")

    body = assert_error(response, 403, "subscription_required")
    assert set(body) == {"detail", "code"}
    assert not Reservation.objects.exists()


def test_lapsed_subscription_gets_403_subscription_required_R5(client_for, make_customer, make_book):
    lapsed = make_customer(Tier.PLUS, balance=50_000, ends_in=-MINUTE)

    response = client_for(lapsed.user).post(URL, {"book": make_book().pk, "days": 1}, format="json")

    assert_error(response, 403, "subscription_required")


@pytest.mark.parametrize(("tier", "days"), [(Tier.PLUS, 8), (Tier.PLUS, 0), (Tier.PREMIUM, 15), (Tier.PLUS, -1)])
def test_days_outside_the_tier_range_get_400_invalid_days_R4(client_for, make_customer, make_book, tier, days):
    customer = make_customer(tier, balance=50_000)

    response = client_for(customer.user).post(URL, {"book": make_book().pk, "days": days}, format="json")

    body = assert_error(response, 400, "invalid_days")
    assert set(body) == {"detail", "code"}


def test_huge_days_get_400_invalid_days_not_500_R4_R26(client_for, plus, make_book):
    response = client_for(plus.user).post(URL, {"book": make_book().pk, "days": 10**30}, format="json")

    assert_error(response, 400, "invalid_days")


def test_second_live_reservation_of_a_book_gets_409_already_reserved_R8(client_for, plus, make_book):
    book = make_book(units=2)
    client = client_for(plus.user)
    assert client.post(URL, {"book": book.pk, "days": 1}, format="json").status_code == 201

    response = client.post(URL, {"book": book.pk, "days": 1}, format="json")

    assert_error(response, 409, "already_reserved")
    assert Reservation.objects.count() == 1


def test_reserving_past_the_tier_limit_gets_409_reservation_limit_reached_R10(client_for, plus, make_book, now):
    for _ in range(5):
        reserve(customer=plus, book=make_book(), days=1, now=now)

    response = client_for(plus.user).post(URL, {"book": make_book().pk, "days": 1}, format="json")

    assert_error(response, 409, "reservation_limit_reached")
    assert Reservation.objects.filter(customer=plus).count() == 5


def test_short_wallet_gets_402_with_shortfall_and_charge_url_R11(client_for, make_customer, make_book):
    poor = make_customer(Tier.PLUS, balance=1_500)

    response = client_for(poor.user).post(URL, {"book": make_book().pk, "days": 3}, format="json")

    body = assert_error(response, 402, "insufficient_funds")
    assert set(body) == {"detail", "code", "shortfall", "charge_url"}
    assert body["shortfall"] == 1_500
    assert body["charge_url"] == "/api/v1/wallet/charge/?amount=1500"
    assert not Reservation.objects.exists()
    poor.refresh_from_db()
    assert poor.balance == 1_500 and WalletTransaction.objects.filter(customer=poor).count() == 1


def test_short_wallet_cannot_join_a_queue_either_R11_R12(client_for, make_customer, held_book):
    book, _ = held_book
    poor = make_customer(Tier.PLUS)

    response = client_for(poor.user).post(URL, {"book": book.pk, "days": 2}, format="json")

    body = assert_error(response, 402, "insufficient_funds")
    assert body["shortfall"] == 2_000 and body["charge_url"].endswith("?amount=2000")
    assert not Reservation.objects.filter(customer=poor).exists()


def test_authors_and_admins_cannot_reserve_R22(client_for, author, admin, make_book):
    book = make_book()
    for user in (author, admin):
        response = client_for(user).post(URL, {"book": book.pk, "days": 1}, format="json")
        assert_error(response, 403, "permission_denied")


# A body that is not a reserve request (R26) ---------------------------------------


@pytest.mark.parametrize(
    "book_value",
    [999_999_999, 10**30, "abc", 1.5, True, None, "", [1], {"id": 1}],
    ids=["unknown", "huge", "text", "float", "bool", "null", "empty", "list", "object"],
)
def test_a_book_that_is_not_a_known_id_gets_400_R26(client_for, plus, book_value):
    """An unknown book is an input error of the body: 400 with errors.book."""
    response = client_for(plus.user).post(URL, {"book": book_value, "days": 1}, format="json")

    assert_invalid(response, "book")


@pytest.mark.parametrize(
    "days_value",
    ["abc", 2.5, True, None, "", "x" * 10_000, [1], {"n": 1}, "1e3"],
    ids=["text", "float", "bool", "null", "empty", "10kB", "list", "object", "exponent"],
)
def test_days_of_the_wrong_type_get_400_R4_R26(client_for, plus, make_book, days_value):
    response = client_for(plus.user).post(URL, {"book": make_book().pk, "days": days_value}, format="json")

    assert_invalid(response, "days")
    assert not Reservation.objects.exists()


def test_missing_fields_get_400_naming_each_R26(client_for, plus):
    response = client_for(plus.user).post(URL, {}, format="json")

    body = assert_invalid(response, "book")
    assert "days" in body["errors"]


def test_unknown_fields_are_refused_R23_R26(client_for, plus, make_book):
    """A client cannot set status or price through the body."""
    data = {"book": make_book().pk, "days": 1, "status": "active", "price": 0}

    response = client_for(plus.user).post(URL, data, format="json")

    body = assert_invalid(response, "status")
    assert "price" in body["errors"]


def test_malformed_json_gets_400_parse_error_R26(client_for, plus):
    response = client_for(plus.user).post(URL, '{"book": 1, "days":', content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_a_json_list_body_gets_400_R26(client_for, plus):
    response = client_for(plus.user).post(URL, "[1, 2]", content_type="application/json")

    assert_invalid(response, "non_field_errors")


def test_nan_in_json_gets_400_not_500_R26(client_for, plus, make_book):
    response = client_for(plus.user).post(
        URL, f'{{"book": {make_book().pk}, "days": NaN}}', content_type="application/json"
    )

    assert response.status_code == 400


def test_form_encoded_body_gets_415_R26(client_for, plus, make_book):
    response = client_for(plus.user).post(URL, {"book": make_book().pk, "days": 1})

    assert_error(response, 415, "unsupported_media_type")
