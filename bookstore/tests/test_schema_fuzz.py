"""Schemathesis over the whole OpenAPI schema: no 5xx, every response as documented (R26, SPEC section 4).

Every operation of ``/api/schema/`` is fuzzed in-process through the WSGI application, as an
anonymous client, a Plus customer with a funded wallet, an author and an admin (a real JWT
each, R22). Each response must not be a server error and must match the schema: a documented
status code, its content type, its headers and its body schema.

Schemathesis cannot guess ids, so hooks point path ids and the ids inside bodies (book, genre,
authors, city) at seeded objects most of the time, and give ISBNs, days, amounts and months
values in range now and then, so that success paths are reached as well as errors. Then known
cases (the rows of SPEC section 4 on seeded objects, on success and on their usual errors) go
through the same checks, and the schema itself is checked for warnings and error bodies.
Only the fuzzing is marked ``fuzz`` (``-m "not fuzz"`` skips it).

``FUZZ_EXAMPLES=200 FUZZ_RANDOM=1 pytest -m fuzz -n 2`` digs deeper with fresh inputs (add
``--hypothesis-seed=<n>`` to replay a run); by default the inputs are derandomized, so that
``make test`` is repeatable.
"""

import os

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billing.rules import MIN_CHARGE
from billing.services import MAX_MONTHS
from bookstore.tests.fuzz_world import build_world
from bookstore.wsgi import application
from catalog.tests.factories import make_isbn13
from reservations.pauses import pause_days

pytestmark = pytest.mark.django_db

TOMORROW = str(pause_days(timezone.now())[0])  # the first day a place can be paused until (R30)
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Derandomized by default, so that `make test` is repeatable; FUZZ_RANDOM=1 draws new inputs.
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

# Ids of the seeded objects by kind, refreshed by the `world` fixture before each test and
# read by the hooks below when Hypothesis draws a case.
SEEDED_IDS: dict[str, list[int]] = {}

PATH_KINDS = [
    ("/api/v1/admin/users/", "user"),
    ("/api/v1/users/", "user"),
    ("/api/v1/customers/", "customer"),
    ("/api/v1/authors/", "author"),
    ("/api/v1/books/", "book"),
    ("/api/v1/reservations/", "reservation"),
    ("/api/v1/orders/", "order"),
    ("/api/v1/cart/items/", "cart_item"),
    ("/api/v1/reviews/", "review"),
    ("/api/v1/wishlist/", "book"),
]


def _seeded(kind: str) -> st.SearchStrategy[int]:
    return st.sampled_from(SEEDED_IDS[kind])


# Realistic values for body fields whose valid range a random generator seldom hits.
BODY_VALUES = {
    "book": lambda: _seeded("book"),
    "genre": lambda: _seeded("genre"),
    "city": lambda: _seeded("city"),
    "authors": lambda: st.lists(_seeded("author"), min_size=1, max_size=3),
    "isbn": lambda: st.integers(0, 10**9 - 1).map(make_isbn13),
    "days": lambda: st.integers(1, 14),
    "amount": lambda: st.integers(MIN_CHARGE, 1_000_000),
    "months": lambda: st.integers(1, MAX_MONTHS),
    "until": lambda: st.dates(*pause_days(timezone.now())).map(str),  # R30: tomorrow to 60 days
    "quantity": lambda: st.integers(1, 10),  # R35
    "rating": lambda: st.integers(1, 5),  # R37
}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Point ``{id}`` at a seeded object three times in four."""
    path = context.operation.path if context.operation else ""
    kind = next((kind for prefix, kind in PATH_KINDS if path.startswith(prefix)), None)
    name = next((name for name in ("id", "book_id") if name in (path_parameters or {})), None)
    if not kind or not SEEDED_IDS or not isinstance(path_parameters, dict) or name is None:
        return st.just(path_parameters)
    seeded = _seeded(kind).map(lambda pk: {**path_parameters, name: pk})
    return st.one_of(seeded, seeded, seeded, st.just(path_parameters))


@schema.hook
def flatmap_body(context, body):
    """Half the time, give ids of seeded objects and in-range values to the fields that need them."""
    if not SEEDED_IDS or not isinstance(body, dict):
        return st.just(body)
    fields = {name: BODY_VALUES[name]() for name in body if name in BODY_VALUES}
    if not fields:
        return st.just(body)
    return st.one_of(st.just(body), st.fixed_dictionaries(fields).map(lambda values: {**body, **values}))


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Keep the test's database connection open across requests, as Django's test client does.

    The WSGI handler closes "old" connections when a request starts and ends; in a test
    that would close the connection holding the test's transaction.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(make_customer, make_book, now):
    """Customers on each tier, an author with books, an admin, reservations in every state, the shop."""
    seeded, objects = build_world(make_customer=make_customer, make_book=make_book, now=now)
    SEEDED_IDS.clear()
    SEEDED_IDS.update(seeded)
    return objects


def bearer(user) -> dict[str, str]:
    """The Authorization header of a fresh access token for `user` (R22), or none for anonymous."""
    from accounts.services import issue_tokens

    return {"Authorization": f"Bearer {issue_tokens(user)['access']}"} if user else {}


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    # The seeded world is built once per operation, not per example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.fuzz
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_anonymous(case, world):
    """No credentials, or made-up ones: public reads work, the rest answers 401, nothing 5xx (R22, R26)."""
    case.call_and_validate(checks=CHECKS)


@pytest.mark.fuzz
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_customer(case, world):
    """A Plus customer with a funded wallet: reservations, wallet and subscription reachable."""
    case.call_and_validate(headers=bearer(world.users["customer"]), checks=CHECKS)


@pytest.mark.fuzz
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_author(case, world):
    """An author who owns the seeded books."""
    case.call_and_validate(headers=bearer(world.users["author"]), checks=CHECKS)


@pytest.mark.fuzz
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_admin(case, world):
    """An admin: holders, ending reservations, token revocation."""
    case.call_and_validate(headers=bearer(world.users["admin"]), checks=CHECKS)


def _book_body(book, **changes) -> dict:
    body = {"title": book.title, "isbn": book.isbn, "price": book.price, "genre": book.genre_id, "units": book.units}
    return {**body, **changes}


# (who, method, path, the id in the path, body, expected status): SPEC section 4 rows on real
# objects, whose answers must match the schema as well as the fuzzed ones.
KNOWN_CASES = [
    (None, "GET", "/api/v1/books/{id}/", lambda w: w.held_book.pk, None, 200),
    (None, "GET", "/api/v1/authors/{id}/", lambda w: w.author.pk, None, 200),
    (None, "GET", "/api/v1/authors/{id}/", lambda w: w.co_author.pk, None, 200),
    (None, "GET", "/api/v1/authors/", None, None, 200),
    (None, "GET", "/api/v1/books/{id}/holders/", lambda w: w.held_book.pk, None, 401),
    ("admin", "GET", "/api/v1/books/{id}/holders/", lambda w: w.held_book.pk, None, 200),
    ("customer", "GET", "/api/v1/books/{id}/holders/", lambda w: w.held_book.pk, None, 403),
    ("author", "PATCH", "/api/v1/books/{id}/", lambda w: w.held_book.pk, {"units": 2}, 200),
    ("author", "PATCH", "/api/v1/books/{id}/", lambda w: w.held_book.pk, {"units": 0}, 409),
    ("author", "PATCH", "/api/v1/books/{id}/", lambda w: w.held_book.pk, {"stock": 4}, 200),
    ("author", "PATCH", "/api/v1/books/{id}/", lambda w: w.held_book.pk, {"stock": -1}, 400),
    ("author", "PUT", "/api/v1/books/{id}/", lambda w: w.free_book.pk, lambda w: _book_body(w.free_book), 200),
    ("customer", "PUT", "/api/v1/books/{id}/", lambda w: w.free_book.pk, lambda w: _book_body(w.free_book), 403),
    ("author", "DELETE", "/api/v1/books/{id}/", lambda w: w.empty_book.pk, None, 204),
    ("author", "DELETE", "/api/v1/books/{id}/", lambda w: w.held_book.pk, None, 409),
    ("admin", "DELETE", "/api/v1/books/{id}/", lambda w: 10**9, None, 404),
    ("customer", "GET", "/api/v1/reservations/{id}/", lambda w: w.queued_mine.pk, None, 200),
    ("customer", "GET", "/api/v1/reservations/{id}/", lambda w: w.returned_mine.pk, None, 200),
    ("customer", "GET", "/api/v1/reservations/{id}/", lambda w: w.held_by_other.pk, None, 404),
    ("author", "GET", "/api/v1/reservations/{id}/", lambda w: w.queued_mine.pk, None, 403),
    ("customer", "POST", "/api/v1/reservations/{id}/return/", lambda w: w.active_mine.pk, None, 200),
    ("customer", "POST", "/api/v1/reservations/{id}/return/", lambda w: w.queued_mine.pk, None, 409),
    ("customer", "POST", "/api/v1/reservations/{id}/renew/", lambda w: w.active_mine.pk, {"days": 2}, 200),
    ("customer", "POST", "/api/v1/reservations/{id}/renew/", lambda w: w.queued_mine.pk, {"days": 2}, 409),
    ("customer", "POST", "/api/v1/reservations/{id}/renew/", lambda w: w.held_by_other.pk, {"days": 2}, 404),
    ("customer", "POST", "/api/v1/reservations/{id}/renew/", lambda w: w.active_mine.pk, {"days": 9}, 400),
    ("poor", "POST", "/api/v1/reservations/{id}/renew/", lambda w: w.active_mine.pk, {"days": 2}, 404),
    ("customer", "DELETE", "/api/v1/reservations/{id}/", lambda w: w.queued_mine.pk, None, 204),
    ("customer", "DELETE", "/api/v1/reservations/{id}/", lambda w: w.active_mine.pk, None, 409),
    ("admin", "DELETE", "/api/v1/reservations/{id}/", lambda w: w.queued_mine.pk, None, 204),
    ("admin", "POST", "/api/v1/reservations/{id}/end/", lambda w: w.held_by_other.pk, None, 200),
    ("admin", "POST", "/api/v1/reservations/{id}/end/", lambda w: w.returned_mine.pk, None, 409),
    ("customer", "POST", "/api/v1/reservations/{id}/pause/", lambda w: w.queued_mine.pk, {"until": TOMORROW}, 200),
    ("customer", "POST", "/api/v1/reservations/{id}/resume/", lambda w: w.queued_mine.pk, None, 200),
    ("customer", "GET", "/api/v1/users/{id}/", lambda w: w.customer.user.pk, None, 200),
    ("customer", "GET", "/api/v1/users/{id}/", lambda w: w.author.user.pk, None, 403),
    ("admin", "GET", "/api/v1/users/{id}/", lambda w: w.author.user.pk, None, 200),
    ("customer", "PATCH", "/api/v1/users/{id}/", lambda w: w.customer.user.pk, {"first_name": "Sara"}, 200),
    ("customer", "PATCH", "/api/v1/users/{id}/", lambda w: w.customer.user.pk, {"role": "admin"}, 400),
    ("customer", "PATCH", "/api/v1/users/{id}/", lambda w: w.customer.user.pk, {"phone": "+989357770001"}, 400),
    (
        "customer",
        "POST",
        "/api/v1/users/{id}/contact-change/",
        lambda w: w.customer.user.pk,
        {"password": "correct horse battery staple", "phone": "+989357770001"},
        202,
    ),
    (
        "customer",
        "POST",
        "/api/v1/users/{id}/contact-change/",
        lambda w: w.customer.user.pk,
        {"password": "not the password", "email": "new@example.com"},
        400,
    ),
    (
        "author",
        "POST",
        "/api/v1/users/{id}/contact-change/",
        lambda w: w.customer.user.pk,
        {"password": "correct horse battery staple", "email": "new@example.com"},
        403,
    ),
    (
        "customer",
        "POST",
        "/api/v1/users/{id}/contact-change/confirm/",
        lambda w: w.customer.user.pk,
        {"change": "00000000-0000-4000-8000-000000000000", "code": "123456"},
        404,
    ),
    ("author", "DELETE", "/api/v1/users/{id}/", lambda w: w.author.user.pk, None, 204),
    ("customer", "GET", "/api/v1/customers/{id}/", lambda w: w.customer.pk, None, 200),
    ("customer", "PATCH", "/api/v1/customers/{id}/", lambda w: w.customer.pk, {"auto_renew": True}, 200),
    ("customer", "PATCH", "/api/v1/customers/{id}/", lambda w: w.customer.pk, {"balance": 10**9}, 400),
    ("author", "PATCH", "/api/v1/authors/{id}/", lambda w: w.author.pk, {"bio": "نویسنده"}, 200),
    ("customer", "PATCH", "/api/v1/authors/{id}/", lambda w: w.author.pk, {"bio": "Not mine."}, 403),
    ("admin", "POST", "/api/v1/admin/users/{id}/revoke-tokens/", lambda w: w.customer.user.pk, None, 204),
    ("admin", "POST", "/api/v1/admin/users/{id}/revoke-tokens/", lambda w: w.admin.pk, None, 403),
    ("customer", "POST", "/api/v1/reservations/", None, lambda w: {"book": w.free_book.pk, "days": 3}, 201),
    ("customer", "POST", "/api/v1/reservations/", None, lambda w: {"book": w.empty_book.pk, "days": 3}, 202),
    ("customer", "POST", "/api/v1/reservations/", None, lambda w: {"book": w.held_book.pk, "days": 3}, 409),
    ("customer", "POST", "/api/v1/reservations/", None, lambda w: {"book": w.free_book.pk, "days": 8}, 400),
    ("poor", "POST", "/api/v1/reservations/", None, lambda w: {"book": w.free_book.pk, "days": 3}, 402),
    ("free", "POST", "/api/v1/reservations/", None, lambda w: {"book": w.free_book.pk, "days": 3}, 403),
    ("customer", "GET", "/api/v1/reservations/", None, None, 200),
    ("admin", "GET", "/api/v1/reservations/", None, None, 200),
    ("customer", "GET", "/api/v1/wallet/", None, None, 200),
    ("customer", "GET", "/api/v1/wallet/transactions/", None, None, 200),
    ("customer", "POST", "/api/v1/wallet/charge/", None, {"amount": 5_000}, 201),
    ("customer", "POST", "/api/v1/wallet/charge/", None, {"amount": 10}, 400),
    ("customer", "GET", "/api/v1/subscription/", None, None, 200),
    ("customer", "POST", "/api/v1/subscription/", None, {"tier": "premium", "months": 1}, 200),
    ("poor", "POST", "/api/v1/subscription/", None, {"tier": "premium", "months": 1}, 402),
    ("customer", "GET", "/api/v1/me/", None, None, 200),
    ("customer", "GET", "/api/v1/notifications/", None, None, 200),
    (None, "GET", "/api/v1/notifications/", None, None, 401),
    ("customer", "POST", "/api/v1/notifications/read/", None, {}, 200),
    # The shop (R35–R38): success paths and their usual refusals.
    ("customer", "GET", "/api/v1/cart/", None, None, 200),
    ("customer", "POST", "/api/v1/cart/", None, lambda w: {"book": w.for_sale.pk, "quantity": 1}, 201),
    ("customer", "POST", "/api/v1/cart/", None, lambda w: {"book": w.for_sale.pk, "quantity": 11}, 400),
    ("customer", "PATCH", "/api/v1/cart/items/{id}/", lambda w: w.cart_item.pk, {"quantity": 3}, 200),
    ("customer", "DELETE", "/api/v1/cart/items/{id}/", lambda w: w.cart_item.pk, None, 204),
    ("customer", "POST", "/api/v1/orders/", None, None, 201),
    ("free", "POST", "/api/v1/orders/", None, None, 400),
    ("customer", "GET", "/api/v1/orders/", None, None, 200),
    ("customer", "GET", "/api/v1/orders/{id}/", lambda w: w.orders[0].pk, None, 200),
    ("customer", "GET", "/api/v1/orders/{id}/", lambda w: w.orders[3].pk, None, 404),
    ("admin", "POST", "/api/v1/orders/{id}/cancel/", lambda w: w.orders[0].pk, None, 200),
    ("admin", "POST", "/api/v1/orders/{id}/fulfil/", lambda w: w.orders[2].pk, None, 409),
    (None, "GET", "/api/v1/books/{id}/reviews/", lambda w: w.for_sale.pk, None, 200),
    ("customer", "POST", "/api/v1/books/{id}/reviews/", lambda w: w.for_sale.pk, {"rating": 5}, 409),
    ("customer", "PATCH", "/api/v1/reviews/{id}/", lambda w: w.reviews[0].pk, {"rating": 2, "text": "Meh."}, 200),
    ("admin", "POST", "/api/v1/reviews/{id}/hide/", lambda w: w.reviews[1].pk, None, 200),
    ("customer", "GET", "/api/v1/wishlist/", None, None, 200),
    ("customer", "POST", "/api/v1/wishlist/", None, lambda w: {"book": w.free_book.pk}, 201),
    ("author", "POST", "/api/v1/notifications/read/", None, {"ids": [1, 2]}, 200),
    ("customer", "POST", "/api/v1/notifications/read/", None, {"ids": "all"}, 400),
    ("admin", "GET", "/api/v1/admin/demand/", None, None, 200),
    ("customer", "GET", "/api/v1/admin/demand/", None, None, 403),
    ("author", "GET", "/api/v1/me/", None, None, 200),
    (
        "author",
        "POST",
        "/api/v1/books/",
        None,
        lambda w: {"title": "کلیدر", "isbn": make_isbn13(424242), "price": 90_000, "genre": w.genre.pk, "units": 2},
        201,
    ),
    ("customer", "POST", "/api/v1/books/", None, {"title": "No"}, 403),
]


@pytest.mark.parametrize(
    ("who", "method", "path", "path_id", "body", "expected"),
    KNOWN_CASES,
    ids=[f"{row[0] or 'anonymous'} {row[1]} {row[2]} {row[5]}" for row in KNOWN_CASES],
)
def test_known_cases_on_seeded_objects_match_the_schema(world, who, method, path, path_id, body, expected):
    """Rows of SPEC section 4 on real ids: the expected status, and a response the schema allows."""
    operation = schema[path][method]
    arguments = {"path_parameters": {"id": path_id(world)}} if path_id else {}
    if body is not None:
        arguments["body"] = body(world) if callable(body) else body
    case = operation.Case(**arguments)
    response = case.call_and_validate(headers=bearer(world.users.get(who)), checks=CHECKS)
    assert response.status_code == expected, response.text


def test_the_whole_schema_validates_with_no_warning(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` over every app: what the fuzz reads is sound."""
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_error_response_is_documented_with_the_error_body_R26():
    """Each operation lists the errors DRF itself may give, each with the body {"detail", "code", ...}."""
    raw = schema.raw_schema
    components = raw["components"]["schemas"]
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            for status, response in responses.items():
                if status >= "400":
                    name = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                    assert {"detail", "code"} <= set(components[name]["required"]), (where, status)
            if "requestBody" in operation:
                assert {"400", "415"} <= set(responses), where
            if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
                assert "404" in responses, where
            if operation.get("security") not in (None, [], [{}]):
                assert "401" in responses, where
