"""Every API endpoint × every kind of caller, with the status each must get (R1, R22–R25).

Callers: anonymous, a Free customer, a Plus customer, the book's author, another author,
and an admin. Each cell runs on a fresh world, so a cell that changes state (a delete, a
reservation) cannot change another cell's answer.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, Tier
from accounts.services import issue_tokens
from accounts.tests.factories import AuthorFactory, CityFactory, UserFactory
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13
from reservations.pauses import pause_days
from reservations.services import reserve
from reviews.services import write_review
from shop.checkout import checkout
from shop.services import add_to_cart
from wishlist.services import add_wish

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "free", "plus", "author", "other_author", "admin")


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)

    def client(self, actor: str) -> APIClient:
        client = APIClient()
        if actor != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(self.users[actor])['access']}")
        return client


@pytest.fixture
def world(make_customer, fund) -> World:
    free = make_customer(Tier.FREE, balance=100_000)
    plus = make_customer(Tier.PLUS, balance=100_000)
    queued_by = make_customer(Tier.PLUS, balance=100_000)
    author, other_author = AuthorFactory(), AuthorFactory()
    admin = UserFactory(role=Role.ADMIN)
    book = BookFactory(units=1, authors=[author])
    full_book = BookFactory(units=1, authors=[author])
    free_book = BookFactory(units=3, authors=[other_author])
    loan = reserve(customer=plus, book=book, days=3)
    holder = reserve(customer=queued_by, book=full_book, days=3)
    queued = reserve(customer=plus, book=full_book, days=3)
    # The shop (R35–R38): the Plus customer bought one book, has another in the cart, reviewed
    # the bought one and wishes for the full one; `book`, on loan to them, is theirs to review.
    bought = BookFactory(units=1, stock=5, price=10_000, authors=[other_author])
    add_to_cart(customer=plus, book=bought, quantity=1)
    order = checkout(customer=plus).order
    in_cart = add_to_cart(customer=plus, book=bought, quantity=2)
    review = write_review(customer=plus, book=bought, rating=4)
    add_wish(customer=plus, book=full_book)
    return World(
        users={
            "free": free.user,
            "plus": plus.user,
            "author": author.user,
            "other_author": other_author.user,
            "admin": admin,
        },
        objects={
            "free": free,
            "plus": plus,
            "author": author,
            "book": book,
            "free_book": free_book,
            "loan": loan,
            "queued": queued,
            "holder": holder,
            "full_book": full_book,
            "bought": bought,
            "order": order,
            "cart_item": in_cart,
            "review": review,
            "genre": GenreFactory(),
            "city": CityFactory(),
        },
    )


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None  # a dict, or a function of (world, actor) returning one


def everyone(status: int, **overrides: int) -> dict[str, int]:
    return {actor: overrides.get(actor, status) for actor in ACTORS}


def customers(status: int, **overrides: int) -> dict[str, int]:
    """`status` for both customers, 401 for the anonymous, 403 for authors and admins, unless overridden."""
    return everyone(403, anonymous=401, free=status, plus=status) | overrides


def login_body(world: World, actor: str) -> dict:
    return {"username": world.users["plus"].username, "password": "correct horse battery staple"}


def own_refresh(world: World, actor: str) -> dict:
    user = world.users.get(actor) or world.users["plus"]
    return {"refresh": issue_tokens(user)["refresh"]}


def new_book(world: World, actor: str) -> dict:
    return {
        "title": "A new book",
        "isbn": make_isbn13(424242),
        "price": 120_000,
        "genre": world.objects["genre"].pk,
        "units": 2,
        "stock": 3,
        "description": "Fresh.",
        **({"authors": [world.objects["author"].pk]} if actor == "admin" else {}),
    }


def pause_body(world: World, actor: str) -> dict:
    return {"until": pause_days(timezone.now())[0].isoformat()}


signup = {"username": "newbie", "email": "newbie@example.com", "phone": "+989127770000", "password": "a fine pass 99"}

MATRIX: dict[str, Cell] = {
    "signup": Cell("post", "/api/v1/auth/signup/", everyone(201), signup),
    "login": Cell("post", "/api/v1/auth/login/", everyone(200), login_body),
    "verify_otp": Cell("post", "/api/v1/auth/verify-otp/", everyone(401), {"challenge": "x", "code": "123456"}),
    "refresh": Cell("post", "/api/v1/auth/refresh/", everyone(401), {"refresh": "garbage"}),
    "logout": Cell("post", "/api/v1/auth/logout/", everyone(204, anonymous=401), own_refresh),
    "password": Cell(
        "post",
        "/api/v1/auth/password/",
        everyone(400, anonymous=401),
        {"old_password": "not the password", "new_password": "a fine new pass 42"},
    ),
    "me": Cell("get", "/api/v1/me/", everyone(200, anonymous=401)),
    "users": Cell("get", "/api/v1/users/", everyone(403, anonymous=401, admin=200)),
    "user_read": Cell("get", "/api/v1/users/{free_user}/", everyone(403, anonymous=401, free=200, admin=200)),
    "user_edit": Cell(
        "patch", "/api/v1/users/{free_user}/", everyone(403, anonymous=401, free=200), {"first_name": "Nima"}
    ),
    "user_close": Cell("delete", "/api/v1/users/{free_user}/", everyone(403, anonymous=401, free=204)),
    "contact_change": Cell(
        "post",
        "/api/v1/users/{free_user}/contact-change/",
        everyone(403, anonymous=401, free=202),
        {"password": "correct horse battery staple", "phone": "+989357770000"},
    ),
    "contact_change_confirm": Cell(  # no such change of the free user's: 404 past the permission
        "post",
        "/api/v1/users/{free_user}/contact-change/confirm/",
        everyone(403, anonymous=401, free=404),
        {"change": "00000000-0000-4000-8000-000000000000", "code": "123456"},
    ),
    "customers": Cell("get", "/api/v1/customers/", everyone(403, anonymous=401, admin=200)),
    "customer_read": Cell("get", "/api/v1/customers/{plus}/", everyone(403, anonymous=401, plus=200, admin=200)),
    "customer_edit": Cell(
        "patch", "/api/v1/customers/{plus}/", everyone(403, anonymous=401, plus=200), {"auto_renew": True}
    ),
    "authors": Cell("get", "/api/v1/authors/", everyone(200)),
    "author_read": Cell("get", "/api/v1/authors/{author}/", everyone(200)),
    "author_edit": Cell("patch", "/api/v1/authors/{author}/", everyone(403, anonymous=401, author=200), {"bio": "Hi"}),
    "cities": Cell("get", "/api/v1/cities/", everyone(200)),
    "genres": Cell("get", "/api/v1/genres/", everyone(200)),
    "books": Cell("get", "/api/v1/books/", everyone(200)),
    "book_read": Cell("get", "/api/v1/books/{book}/", everyone(200)),
    "book_create": Cell(
        "post", "/api/v1/books/", everyone(403, anonymous=401, author=201, other_author=201, admin=201), new_book
    ),
    "book_edit": Cell(
        "patch", "/api/v1/books/{book}/", everyone(403, anonymous=401, author=200, admin=200), {"title": "Renamed"}
    ),
    "book_delete": Cell(
        "delete", "/api/v1/books/{free_book}/", everyone(403, anonymous=401, other_author=204, admin=204)
    ),
    "holders": Cell("get", "/api/v1/books/{book}/holders/", everyone(403, anonymous=401, admin=200)),
    "reserve": Cell(
        "post",
        "/api/v1/reservations/",
        everyone(403, anonymous=401, plus=201),
        lambda w, a: {"book": w.objects["free_book"].pk, "days": 2},
    ),
    "reservations": Cell("get", "/api/v1/reservations/", everyone(403, anonymous=401, free=200, plus=200, admin=200)),
    "reservation_read": Cell(
        "get", "/api/v1/reservations/{loan}/", everyone(403, anonymous=401, free=404, plus=200, admin=200)
    ),
    "reservation_return": Cell(
        "post", "/api/v1/reservations/{loan}/return/", everyone(403, anonymous=401, free=404, plus=200)
    ),
    "reservation_leave": Cell(
        "delete", "/api/v1/reservations/{queued}/", everyone(403, anonymous=401, free=404, plus=204, admin=204)
    ),
    "reservation_end": Cell("post", "/api/v1/reservations/{loan}/end/", everyone(403, anonymous=401, admin=200)),
    "reservation_renew": Cell(  # R29: the loan is the Plus customer's; the free one sees no such reservation
        "post", "/api/v1/reservations/{loan}/renew/", everyone(403, anonymous=401, free=404, plus=200), {"days": 1}
    ),
    "reservation_pause": Cell(  # R30: the customer's own queued place; others' ids are not found
        "post", "/api/v1/reservations/{queued}/pause/", everyone(403, anonymous=401, free=404, plus=200), pause_body
    ),
    "reservation_resume": Cell(
        "post", "/api/v1/reservations/{queued}/resume/", everyone(403, anonymous=401, free=404, plus=200)
    ),
    "wallet": Cell("get", "/api/v1/wallet/", everyone(403, anonymous=401, free=200, plus=200)),
    "wallet_transactions": Cell(
        "get", "/api/v1/wallet/transactions/", everyone(403, anonymous=401, free=200, plus=200)
    ),
    "wallet_charge": Cell(
        "post", "/api/v1/wallet/charge/", everyone(403, anonymous=401, free=201, plus=201), {"amount": 5_000}
    ),
    "subscription": Cell("get", "/api/v1/subscription/", everyone(403, anonymous=401, free=200, plus=200)),
    "subscription_buy": Cell(
        "post", "/api/v1/subscription/", everyone(403, anonymous=401, free=200, plus=200), {"tier": "plus", "months": 1}
    ),
    "subscription_auto_renew": Cell(
        "patch", "/api/v1/subscription/", everyone(403, anonymous=401, free=200, plus=200), {"auto_renew": True}
    ),
    "revoke_tokens": Cell(
        "post", "/api/v1/admin/users/{plus_user}/revoke-tokens/", everyone(403, anonymous=401, admin=204)
    ),
    "notifications": Cell("get", "/api/v1/notifications/", everyone(200, anonymous=401)),
    "demand": Cell("get", "/api/v1/admin/demand/", everyone(403, anonymous=401, admin=200)),
    "notifications_read": Cell("post", "/api/v1/notifications/read/", everyone(200, anonymous=401), {}),
    # The shop (R35, R36): customers buy; another's cart item or order is not found; admins close orders.
    "cart": Cell("get", "/api/v1/cart/", customers(200)),
    "cart_add": Cell(
        "post", "/api/v1/cart/", customers(201), lambda w, a: {"book": w.objects["bought"].pk, "quantity": 1}
    ),
    "cart_item_edit": Cell("patch", "/api/v1/cart/items/{cart_item}/", customers(404, plus=200), {"quantity": 3}),
    "cart_item_remove": Cell("delete", "/api/v1/cart/items/{cart_item}/", customers(404, plus=204)),
    "checkout": Cell("post", "/api/v1/orders/", customers(400, plus=201)),  # the Free customer's cart is empty
    "orders": Cell("get", "/api/v1/orders/", customers(200, admin=200)),
    "order_read": Cell("get", "/api/v1/orders/{order}/", customers(404, plus=200, admin=200)),
    "order_cancel": Cell("post", "/api/v1/orders/{order}/cancel/", everyone(403, anonymous=401, admin=200)),
    "order_fulfil": Cell("post", "/api/v1/orders/{order}/fulfil/", everyone(403, anonymous=401, admin=200)),
    # Reviews (R37): anyone reads; a reader writes; the reviewer edits; admins hide.
    "book_reviews": Cell("get", "/api/v1/books/{book}/reviews/", everyone(200)),
    "review_write": Cell("post", "/api/v1/books/{book}/reviews/", customers(403, plus=201), {"rating": 5}),
    "review_edit": Cell("patch", "/api/v1/reviews/{review}/", customers(403, plus=200), {"rating": 2}),
    "review_delete": Cell("delete", "/api/v1/reviews/{review}/", customers(403, plus=204)),
    "review_hide": Cell("post", "/api/v1/reviews/{review}/hide/", everyone(403, anonymous=401, admin=200)),
    # The wishlist (R38).
    "wishlist": Cell("get", "/api/v1/wishlist/", customers(200)),
    "wish": Cell(
        "post", "/api/v1/wishlist/", customers(201, plus=200), lambda w, a: {"book": w.objects["full_book"].pk}
    ),
    "unwish": Cell("delete", "/api/v1/wishlist/{full_book}/", customers(404, plus=204)),
}


def resolve(path: str, world: World) -> str:
    objects = world.objects
    return path.format(
        free_user=world.users["free"].pk,
        plus_user=world.users["plus"].pk,
        plus=objects["plus"].pk,
        author=objects["author"].pk,
        book=objects["book"].pk,
        free_book=objects["free_book"].pk,
        loan=objects["loan"].pk,
        queued=objects["queued"].pk,
        full_book=objects["full_book"].pk,
        order=objects["order"].pk,
        cart_item=objects["cart_item"].pk,
        review=objects["review"].pk,
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_permission_matrix(world, endpoint, actor, capsys):
    cell = MATRIX[endpoint]
    body = cell.body(world, actor) if callable(cell.body) else cell.body
    response = getattr(world.client(actor), cell.method)(resolve(cell.path, world), body, format="json")
    expected = cell.expected[actor]
    assert response.status_code == expected, (endpoint, actor, response.content[:300])
    if response.status_code >= 400:
        assert {"detail", "code"} <= set(response.json())


def test_matrix_covers_every_api_route():
    """A new endpoint must be added to the matrix: compare with the URL patterns."""
    from django.urls import get_resolver

    def routes(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    api_routes = {route for route in routes(get_resolver().url_patterns) if route.startswith("api/v1/")}
    routes_as_shapes = {re.sub(r"<[^>]+>", "{}", route) for route in api_routes}
    matrix_as_shapes = {re.sub(r"\{[a-z_]+\}", "{}", cell.path.removeprefix("/")) for cell in MATRIX.values()}
    assert routes_as_shapes <= matrix_as_shapes, routes_as_shapes - matrix_as_shapes
