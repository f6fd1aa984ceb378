"""Every error under /api/ is JSON with a code, even for URLs no view matches (R26)."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client
from django.urls import get_resolver

from accounts.models import Tier
from accounts.tests.factories import AuthorFactory
from bookstore.tests.api_assertions import assert_error
from reservations.models import Reservation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/reservations/abc/", "/api/v2/books/"])
def test_unknown_api_urls_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_page_urls_stay_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_method_not_allowed_has_a_code(api_client):
    response = api_client.put("/api/v1/genres/", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_unsupported_media_type_has_a_code(api_client):
    response = api_client.post("/api/v1/auth/login/", "<xml/>", content_type="application/xml")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


# --- Django's own refusals: handler400 and handler403 (issue 13) --------------------------

BIG_JSON = json.dumps({"username": "x" * (3 * 1024 * 1024), "password": "secret"})


def test_a_body_over_the_upload_limit_is_json_400_under_the_api(client):
    """Django raises RequestDataTooBig inside DRF's request.data; handler400 answers JSON (R26)."""
    response = client.post("/api/v1/auth/login/", BIG_JSON, content_type="application/json")
    assert_error(response, 400, "request_too_large")


def test_a_body_over_the_upload_limit_is_json_400_for_an_authenticated_reserve(client_for, make_customer):
    customer = make_customer(Tier.PLUS, balance=10_000)
    response = client_for(customer.user).post("/api/v1/reservations/", BIG_JSON, content_type="application/json")
    assert_error(response, 400, "request_too_large")
    assert not Reservation.objects.exists()


def test_a_body_over_the_upload_limit_on_a_page_is_the_html_400(client):
    response = client.post("/accounts/login/", {"username": "x" * (3 * 1024 * 1024), "password": "secret"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_foreign_host_is_json_400_under_the_api(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/api/v1/books/", HTTP_HOST="evil.example")
    body = assert_error(response, 400, "disallowed_host")
    assert "evil.example" not in body["detail"]


def test_a_foreign_host_on_a_page_is_the_html_400(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_too_many_query_fields_are_json_400_under_the_api(client):
    query = "&".join(f"f{number}=1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    assert_error(client.get(f"/api/v1/books/?{query}"), 400, "too_many_fields")


@pytest.mark.parametrize(
    "status, exception, code",
    [
        (400, SuspiciousOperation("Bad cookie."), "bad_request"),
        (403, PermissionDenied("Admins only."), "permission_denied"),
        (404, Http404("Nothing."), "not_found"),
    ],
)
def test_each_error_handler_answers_json_under_the_api(rf, status, exception, code):
    """The handlers Django calls itself, as bookstore.urls names them (no /api/ view lets these through)."""
    response = get_resolver().resolve_error_handler(status)(rf.get("/api/v1/anything/"), exception)
    assert response.status_code == status and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == code and body["detail"] and "Bad cookie" not in body["detail"]


def test_the_500_handler_answers_json_under_the_api(rf):
    response = get_resolver().resolve_error_handler(500)(rf.get("/api/v1/books/"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Something went wrong on our side.", "code": "server_error"}


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_each_error_handler_answers_html_elsewhere(rf, status):
    handler = get_resolver().resolve_error_handler(status)
    request = rf.get("/books/1/")
    response = handler(request) if status == 500 else handler(request, SuspiciousOperation("x"))
    assert response.status_code == status and response["Content-Type"].startswith("text/html")


def test_a_page_refused_to_a_role_is_the_html_403(client):
    client.force_login(AuthorFactory().user)
    response = client.get("/wallet/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_a_deeply_nested_json_body_is_400_parse_error(client_for, make_customer):
    customer = make_customer(Tier.PLUS, balance=10_000)
    client = client_for(customer.user)
    client.raise_request_exception = False
    response = client.post("/api/v1/reservations/", "[" * 100_000, content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_options_on_the_swagger_page_is_not_a_500():
    response = Client(raise_request_exception=False).options("/api/docs/")
    assert response.status_code < 500


def test_the_favicon_is_served_where_browsers_look_for_it(client):
    """Issue 17: /favicon.ico was a 404 on every page; pages and the admin also link the icon."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    assert 'rel="icon"' in client.get("/admin/").content.decode()
