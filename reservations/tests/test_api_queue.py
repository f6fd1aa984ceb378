"""A queue over REST: DELETE reservations/{id}/ leaves it or removes an entry (R14, R25); the holders (R12)."""

import pytest

from accounts.models import Notification, Tier
from bookstore.tests.api_assertions import assert_error
from reservations.models import EndReason, Status
from reservations.services import reserve
from reservations.tests.conftest import MINUTE, detail_url

pytestmark = pytest.mark.django_db


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
        "place",  # in the queue only (R30)
        "paused_until",
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
