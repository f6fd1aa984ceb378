"""The wishlist API (R38): list, add (201, then 200), remove (204, then 404); customers only."""

import pytest

from accounts.models import Role, Tier
from accounts.tests.factories import UserFactory
from catalog.filters import MAX_ID
from wishlist.models import WishedBook

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_customer):
    return make_customer(Tier.FREE)


def test_adding_twice_is_idempotent_and_lists_the_entry_R38(client_for, customer, make_book):
    book = make_book(units=2, stock=3, title="Bamdad")
    client = client_for(customer.user)

    first = client.post("/api/v1/wishlist/", {"book": book.pk}, format="json")
    assert first.status_code == 201
    body = first.json()
    assert body["book"] == {"id": book.pk, "title": "Bamdad", "available_units": 2, "stock": 3}
    assert set(body) == {"id", "book", "added_at"}

    again = client.post("/api/v1/wishlist/", {"book": book.pk}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert WishedBook.objects.filter(customer=customer).count() == 1

    listed = client.get("/api/v1/wishlist/").json()
    assert listed["count"] == 1 and listed["results"][0] == body


def test_removing_is_204_then_404_R38(client_for, customer, make_book):
    book = make_book()
    client = client_for(customer.user)
    client.post("/api/v1/wishlist/", {"book": book.pk}, format="json")

    assert client.delete(f"/api/v1/wishlist/{book.pk}/").status_code == 204
    missing = client.delete(f"/api/v1/wishlist/{book.pk}/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert client.delete(f"/api/v1/wishlist/{MAX_ID + 1}/").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [{}, {"book": "x"}, {"book": 0}, {"book": MAX_ID + 1}, {"book": 999_999}, {"book": 1, "customer": 2}, []],
)
def test_bad_input_is_400_with_field_errors_R38(client_for, customer, payload):
    response = client_for(customer.user).post("/api/v1/wishlist/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "parse_error"}


def test_a_withdrawn_book_is_refused_R38_R28(client_for, customer, make_book, now):
    book = make_book(withdrawn_at=now)
    response = client_for(customer.user).post("/api/v1/wishlist/", {"book": book.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "book_withdrawn"


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.ADMIN])
def test_only_customers_keep_a_wishlist_R38(api_client, client_for, make_book, role):
    book = make_book()
    assert api_client.get("/api/v1/wishlist/").status_code == 401
    client = client_for(UserFactory(role=role, is_staff=role == Role.ADMIN))
    assert client.get("/api/v1/wishlist/").status_code == 403
    assert client.post("/api/v1/wishlist/", {"book": book.pk}, format="json").status_code == 403
    assert client.delete(f"/api/v1/wishlist/{book.pk}/").status_code == 403


def test_a_customer_sees_only_their_own_wishlist_R38(client_for, make_customer, make_book):
    mine, theirs = make_customer(Tier.FREE), make_customer(Tier.PLUS)
    book = make_book()
    client_for(theirs.user).post("/api/v1/wishlist/", {"book": book.pk}, format="json")

    assert client_for(mine.user).get("/api/v1/wishlist/").json()["count"] == 0
    assert client_for(mine.user).delete(f"/api/v1/wishlist/{book.pk}/").status_code == 404
    assert WishedBook.objects.filter(customer=theirs).exists()
