"""The shop's endpoints (SPEC section 4; R35, R36): status codes, bodies, who may call each."""

import pytest

from accounts.models import Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.models import Book
from shop.models import CartItem, Order, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_customer):
    return make_customer(Tier.FREE, balance=1_000_000)


@pytest.fixture
def admin_client(client_for):
    return client_for(UserFactory(role=Role.ADMIN))


def test_adding_answers_the_cart_with_prices_and_total_R35(customer, client_for, make_book):
    api = client_for(customer.user)
    book = make_book(price=25_000)
    assert api.post("/api/v1/cart/", {"book": book.pk, "quantity": 2}, format="json").status_code == 201
    response = api.post("/api/v1/cart/", {"book": book.pk, "quantity": 1}, format="json")
    assert response.status_code == 201
    item = CartItem.objects.get()
    assert response.json() == {
        "items": [
            {
                "id": item.pk,
                "book": book.pk,
                "title": book.title,
                "quantity": 3,
                "unit_price": 25_000,
                "line_total": 75_000,
            }
        ],
        "total": 75_000,
    }
    assert api.get("/api/v1/cart/").json()["total"] == 75_000


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"book": 1, "quantity": 0}, "invalid_quantity"),
        ({"book": 1, "quantity": 11}, "invalid_quantity"),
        ({"book": 1}, "invalid"),
        ({"book": "x", "quantity": 1}, "invalid"),
        ({"book": 1, "quantity": 1, "price": 1}, "invalid"),
    ],
)
def test_bad_input_is_400_R35_R26(customer, client_for, body, code):
    response = client_for(customer.user).post("/api/v1/cart/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_unknown_withdrawn_and_over_ten_are_400_R35(customer, client_for, make_book, now):
    api = client_for(customer.user)
    unknown = api.post("/api/v1/cart/", {"book": 999_999, "quantity": 1}, format="json")
    assert unknown.status_code == 400 and "book" in unknown.json()["errors"]
    withdrawn = make_book()
    Book.objects.filter(pk=withdrawn.pk).update(withdrawn_at=now)
    assert api.post("/api/v1/cart/", {"book": withdrawn.pk, "quantity": 1}, format="json").json()["code"] == (
        "book_not_for_sale"
    )
    book = make_book()
    api.post("/api/v1/cart/", {"book": book.pk, "quantity": 9}, format="json")
    over = api.post("/api/v1/cart/", {"book": book.pk, "quantity": 2}, format="json")
    assert (over.status_code, over.json()["code"]) == (400, "cart_quantity_exceeded")


def test_patch_and_delete_items_and_anothers_item_is_404_R35(customer, client_for, make_customer, make_book):
    api = client_for(customer.user)
    api.post("/api/v1/cart/", {"book": make_book().pk, "quantity": 2}, format="json")
    item = CartItem.objects.get()
    url = f"/api/v1/cart/items/{item.pk}/"
    assert api.patch(url, {"quantity": 5}, format="json").json()["items"][0]["quantity"] == 5
    assert api.patch(url, {"quantity": 0}, format="json").json()["code"] == "invalid_quantity"
    stranger = client_for(make_customer().user)
    assert stranger.patch(url, {"quantity": 1}, format="json").status_code == 404
    assert stranger.delete(url).status_code == 404
    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 404


def test_checkout_answers_201_then_200_for_a_repeated_key_R35(customer, client_for, make_book):
    api = client_for(customer.user)
    book = make_book(price=50_000, stock=2)
    api.post("/api/v1/cart/", {"book": book.pk, "quantity": 2}, format="json")
    first = api.post("/api/v1/orders/", HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == 201
    body = first.json()
    assert {k: body[k] for k in ("status", "total")} == {"status": "placed", "total": 100_000}
    assert [(line["book"], line["quantity"], line["unit_price"]) for line in body["lines"]] == [(book.pk, 2, 50_000)]
    assert "created_at" in body
    repeat = api.post("/api/v1/orders/", HTTP_IDEMPOTENCY_KEY="order-1")
    assert repeat.status_code == 200 and repeat["Idempotent-Replayed"] == "true"
    assert repeat.json()["id"] == body["id"]
    assert Order.objects.count() == 1
    assert api.post("/api/v1/orders/").json()["code"] == "cart_empty"


def test_checkout_refusals_carry_their_bodies_R35_R11(make_customer, client_for, make_book):
    customer = make_customer(balance=10_000)
    api = client_for(customer.user)
    book = make_book(price=20_000, stock=1)
    api.post("/api/v1/cart/", {"book": book.pk, "quantity": 2}, format="json")
    short = api.post("/api/v1/orders/")
    assert short.status_code == 409
    assert short.json()["books"] == [{"book": book.pk, "title": book.title, "requested": 2, "available": 1}]
    api.patch(f"/api/v1/cart/items/{CartItem.objects.get().pk}/", {"quantity": 1}, format="json")
    poor = api.post("/api/v1/orders/")
    assert poor.status_code == 402
    assert poor.json()["shortfall"] == 10_000 and "charge_url" in poor.json()
    assert api.post("/api/v1/orders/", HTTP_IDEMPOTENCY_KEY="").json()["code"] == "invalid_idempotency_key"


def test_orders_list_own_for_customers_all_for_admins_R36(customer, client_for, make_customer, make_book, admin_client):
    book = make_book(price=1_000, stock=10)
    other = make_customer(balance=10_000)
    for who in (customer, other):
        api = client_for(who.user)
        api.post("/api/v1/cart/", {"book": book.pk, "quantity": 1}, format="json")
        assert api.post("/api/v1/orders/").status_code == 201
    mine = client_for(customer.user).get("/api/v1/orders/").json()
    assert mine["count"] == 1 and set(mine) == {"count", "next", "previous", "results"}
    others_id = Order.objects.get(customer=other).pk
    assert client_for(customer.user).get(f"/api/v1/orders/{others_id}/").status_code == 404
    assert admin_client.get("/api/v1/orders/").json()["count"] == 2
    assert admin_client.get("/api/v1/orders/?status=cancelled").json()["count"] == 0
    assert admin_client.get(f"/api/v1/orders/{others_id}/").json()["id"] == others_id


def test_cancel_and_fulfil_are_for_admins_and_only_from_placed_R36(customer, client_for, make_book, admin_client):
    api = client_for(customer.user)
    api.post("/api/v1/cart/", {"book": make_book(price=5_000, stock=3).pk, "quantity": 1}, format="json")
    order_id = api.post("/api/v1/orders/").json()["id"]
    assert api.post(f"/api/v1/orders/{order_id}/cancel/").status_code == 403
    assert api.post(f"/api/v1/orders/{order_id}/fulfil/").status_code == 403
    cancelled = admin_client.post(f"/api/v1/orders/{order_id}/cancel/")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, OrderStatus.CANCELLED)
    again = admin_client.post(f"/api/v1/orders/{order_id}/fulfil/")
    assert (again.status_code, again.json()["code"]) == (409, "order_not_placed")
    assert admin_client.post("/api/v1/orders/999999/cancel/").status_code == 404


def test_authors_and_anonymous_callers_are_refused_R35_R22(client_for, api_client):
    author = client_for(AuthorFactory().user)
    for method, url in [
        ("get", "/api/v1/cart/"),
        ("post", "/api/v1/cart/"),
        ("post", "/api/v1/orders/"),
        ("get", "/api/v1/orders/"),
        ("patch", "/api/v1/cart/items/1/"),
    ]:
        assert getattr(author, method)(url, {}, format="json").status_code == 403
        assert getattr(api_client, method)(url, {}, format="json").status_code == 401
