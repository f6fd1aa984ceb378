"""Reservations over REST: status codes and bodies of every endpoint (SPEC section 4, R1–R16, R25, R26)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.duration import duration_iso_string

from accounts.models import Notification, Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.models import WalletTransaction
from bookstore.tests.api_assertions import assert_error, assert_invalid
from reservations.models import EndReason, Reservation, Status
from reservations.selectors import estimated_wait, position_in_queue, queue_places
from reservations.services import reserve

pytestmark = pytest.mark.django_db

URL = "/api/v1/reservations/"
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
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
}


def detail_url(reservation) -> str:
    return f"{URL}{reservation.pk}/"


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def author():
    return AuthorFactory().user


@pytest.fixture
def plus(make_customer):
    return make_customer(Tier.PLUS, balance=50_000)


@pytest.fixture
def held_book(make_customer, make_book, now):
    """A one-unit book held for 3 days by another Plus customer: (book, loan)."""
    book = make_book(units=1)
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
    return book, loan


# --- POST reservations/ ------------------------------------------------------------


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


def reserve_with_a_token(client, customer, book, days: int = 1) -> tuple[object, list[dict]]:
    """POST reservations/ with a real access token (so authentication is counted): the response and its queries."""
    from accounts.services import issue_tokens

    token = issue_tokens(customer.user)["access"]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL, {"book": book.pk, "days": days}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    return response, queries.captured_queries


def test_a_reserve_costs_one_query_and_a_transaction_of_eight_statements_issue_8(client, plus, make_book):
    """The user with its profile; then lock the book, lock the customer, read every check
    (R7, R8, R10, R16) in one statement, and the four writes (make bench counts the same)."""
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
        "RELEASE",
    ]
    assert "FOR UPDATE" in queries[2]["sql"] and "FOR UPDATE" in queries[3]["sql"]


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
    assert kinds[7:] == ["SELECT"] * len(kinds[7:]) and len(kinds) <= 10  # the position and the wait


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


def test_premium_may_reserve_14_days_R3(client_for, make_customer, make_book):
    premium = make_customer(Tier.PREMIUM, balance=50_000)

    response = client_for(premium.user).post(URL, {"book": make_book().pk, "days": 14}, format="json")

    assert response.status_code == 201 and response.json()["days"] == 14


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


def test_authors_and_admins_cannot_reserve_R22(client_for, author, admin, make_book):
    book = make_book()
    for user in (author, admin):
        response = client_for(user).post(URL, {"book": book.pk, "days": 1}, format="json")
        assert_error(response, 403, "permission_denied")


def test_anonymous_gets_401_everywhere_R22(api_client, held_book):
    book, loan = held_book
    calls = [
        ("get", URL),
        ("post", URL),
        ("get", detail_url(loan)),
        ("delete", detail_url(loan)),
        ("post", f"{detail_url(loan)}return/"),
        ("post", f"{detail_url(loan)}end/"),
        ("get", f"/api/v1/books/{book.pk}/holders/"),
    ]
    for method, url in calls:
        response = getattr(api_client, method)(url, format="json")
        assert_error(response, 401, "not_authenticated")


def test_a_bad_token_gets_401_R22(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(URL)

    assert response.status_code == 401
    assert set(response.json()) >= {"detail", "code"}


# --- GET reservations/ and reservations/{id}/ --------------------------------------


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
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).json()["count"] == 1
    for _ in range(5):
        queue_for_new_book()
    with CaptureQueriesContext(connection) as six:
        body = client.get(URL).json()

    assert body["count"] == 6 and all(r["position"] == 1 for r in body["results"])
    assert len(six) == len(one)


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


# --- DELETE reservations/{id}/ ------------------------------------------------------


def test_customer_leaves_the_queue_with_204_R14(client_for, plus, held_book, now):
    book, _ = held_book
    queued = reserve(customer=plus, book=book, days=1, now=now)

    response = client_for(plus.user).delete(detail_url(queued))

    assert response.status_code == 204 and response.content == b""
    queued.refresh_from_db()
    assert (queued.status, queued.end_reason) == (Status.CANCELLED, EndReason.LEFT_QUEUE)
    plus.refresh_from_db()
    assert plus.balance == 50_000


def test_leaving_with_an_active_reservation_gets_409_reservation_active_R14(client_for, plus, make_book, now):
    loan = reserve(customer=plus, book=make_book(), days=1, now=now)

    response = client_for(plus.user).delete(detail_url(loan))

    assert_error(response, 409, "reservation_active")
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE


def test_leaving_an_ended_entry_gets_409(client_for, plus, held_book, now):
    book, _ = held_book
    queued = reserve(customer=plus, book=book, days=1, now=now)
    client = client_for(plus.user)
    assert client.delete(detail_url(queued)).status_code == 204

    assert_error(client.delete(detail_url(queued)), 409, "reservation_not_queued")


def test_admin_removes_a_queue_entry_and_the_customer_is_told_R25(client_for, admin, plus, held_book, now):
    book, _ = held_book
    queued = reserve(customer=plus, book=book, days=1, now=now)

    response = client_for(admin).delete(detail_url(queued))

    assert response.status_code == 204
    queued.refresh_from_db()
    assert (queued.status, queued.end_reason) == (Status.CANCELLED, EndReason.REMOVED_BY_ADMIN)
    assert Notification.objects.filter(user=plus.user, kind=Notification.Kind.DROPPED).exists()


def test_admin_cannot_remove_an_active_reservation_from_a_queue_R25(client_for, admin, held_book):
    """409: an active loan is ended through reservations/{id}/end/, not deleted."""
    _, loan = held_book

    response = client_for(admin).delete(detail_url(loan))

    assert response.status_code == 409
    assert response.json()["code"] in {"reservation_active", "reservation_not_queued"}
    loan.refresh_from_db()
    assert loan.status == Status.ACTIVE


def test_authors_cannot_delete_reservations(client_for, author, held_book):
    _, loan = held_book

    assert_error(client_for(author).delete(detail_url(loan)), 403, "permission_denied")


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


def test_return_after_the_end_answers_the_expired_reservation_R16(client_for, plus, make_book, now):
    """Past its end a loan has already expired by itself, even if the worker is late."""
    overdue = reserve(customer=plus, book=make_book(), days=1, now=now - 3 * DAY)

    response = client_for(plus.user).post(f"{detail_url(overdue)}return/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], parse_datetime(body["ended_at"])) == ("expired", overdue.ends_at)


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


# --- GET books/{id}/holders/ --------------------------------------------------------


def test_admin_sees_holders_and_queue_in_R12_order_R25(client_for, admin, plus, make_customer, held_book, now):
    book, loan = held_book
    plus_entry = reserve(customer=plus, book=book, days=2, now=now + MINUTE)
    premium = make_customer(Tier.PREMIUM, balance=10_000)
    premium_entry = reserve(customer=premium, book=book, days=4, now=now + 2 * MINUTE)

    response = client_for(admin).get(f"/api/v1/books/{book.pk}/holders/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"holders", "queue"}
    [holder] = body["holders"]
    assert set(holder) == {
        "reservation",
        "customer",
        "customer_id",
        "tier",
        "days",
        "price",
        "requested_at",
        "ends_at",
    }
    assert (holder["reservation"], holder["customer"], holder["tier"], holder["days"], holder["price"]) == (
        loan.pk,
        loan.customer.user.username,
        "plus",
        3,
        3_000,
    )
    assert [(e["reservation"], e["customer"], e["tier"], e["days"], e["price"]) for e in body["queue"]] == [
        (premium_entry.pk, premium.user.username, "premium", 4, 4_000),
        (plus_entry.pk, plus.user.username, "plus", 2, 2_000),
    ]


def test_holders_of_an_unknown_book_is_404(client_for, admin):
    assert_error(client_for(admin).get("/api/v1/books/999999999/holders/"), 404, "not_found")


def test_only_admins_see_holders_R25(client_for, plus, author, held_book):
    book, _ = held_book
    for user in (plus.user, author):
        assert_error(client_for(user).get(f"/api/v1/books/{book.pk}/holders/"), 403, "permission_denied")


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
