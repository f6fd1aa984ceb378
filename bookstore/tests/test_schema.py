"""OpenAPI schema and Swagger UI: valid OpenAPI 3, served with no internet access (SPEC section 4)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

# A URLconf of the catalog endpoints alone, mounted as in bookstore.urls, so that the
# warning check below judges them and not the other apps'.
urlpatterns = [path("api/v1/", include(("catalog.api_urls", "api")))]

CATALOG_OPERATIONS = {
    "/api/v1/cities/": {"get"},
    "/api/v1/genres/": {"get"},
    "/api/v1/books/": {"get", "post"},
    "/api/v1/books/{id}/": {"get", "put", "patch", "delete"},
}


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema


def test_the_schema_is_served_without_login_R22(client):
    assert client.get("/api/schema/").status_code == 200


def test_every_catalog_operation_is_documented_with_its_errors(schema):
    for route, methods in CATALOG_OPERATIONS.items():
        assert methods <= set(schema["paths"][route]), route
        for method in methods:
            operation = schema["paths"][route][method]
            assert operation.get("summary"), (route, method)
            codes = set(operation["responses"])
            assert codes & {"200", "201", "204"}, (route, method)
            if method != "get" or route.endswith("{id}/"):
                assert codes & {"400", "401", "403", "404", "409"}, (route, method)
    writes = schema["paths"]["/api/v1/books/{id}/"]
    for method in ["put", "patch", "delete"]:
        assert {"401", "403", "404", "409"} <= set(writes[method]["responses"]), method
    assert {"400", "401", "403"} <= set(schema["paths"]["/api/v1/books/"]["post"]["responses"])


def test_lists_are_paginated_and_books_carry_availability(schema):
    books = schema["paths"]["/api/v1/books/"]["get"]
    names = {parameter["name"] for parameter in books["parameters"]}
    assert {"page", "page_size", "search", "genre", "author", "available", "ordering"} <= names
    page = books["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"count", "next", "previous", "results"} <= set(schema["components"]["schemas"][page]["properties"])
    book = schema["components"]["schemas"]["Book"]["properties"]
    assert {"id", "title", "isbn", "price", "genre", "authors", "description", "units"} <= set(book)
    assert {"available_units", "queue_length"} <= set(book)


def test_book_writes_document_jwt_auth_and_reads_need_none_R22(schema):
    assert schema["components"]["securitySchemes"]
    create = schema["paths"]["/api/v1/books/"]["post"]
    assert create.get("security")
    read = schema["paths"]["/api/v1/books/"]["get"]
    assert read.get("security") in (None, [], [{}])


def test_swagger_ui_uses_only_local_assets(client):
    """The docs page works with no internet: no CDN, every asset served by this site."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_catalog_endpoints_generate_no_schema_warning(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` over the catalog endpoints."""
    GENERATOR_STATS.reset()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        __name__,
        "--file",
        str(tmp_path / "catalog.yaml"),
    )
    assert "/api/v1/books/{id}/" in (tmp_path / "catalog.yaml").read_text()


def test_the_whole_schema_validates(tmp_path):
    """`manage.py spectacular --validate` over every app (warnings are each app's own test)."""
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))
