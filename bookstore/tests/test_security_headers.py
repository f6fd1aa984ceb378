"""Every response carries a strict Content-Security-Policy and the other policy headers (issue 14).

The policy allows no inline script or style, so no template may need one: the scan below
fails on a `<script>` without `src`, a `<style>` element, a `style="..."` attribute, an
`on...="..."` handler or a `javascript:` URL in any template or in the SVG charts.
The browser test (browser/test_csp.py) opens every page and fails on any violation.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.tests.factories import BookFactory
from dashboard.charts import bar_chart, column_chart

pytestmark = pytest.mark.django_db

UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:")
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']} ({response.status_code})"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict_headers(response) -> None:
    directives = policy(response)
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, directives["default-src"])
        assert sources == ["'self'"], f"{directive}: {sources}"
        assert not set(sources) & set(UNSAFE_SOURCES)
    assert directives["default-src"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in DENIED_FEATURES:
        assert permissions[feature] == "()", feature


@pytest.fixture
def book():
    return BookFactory(title="Kelidar")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),  # an HTML page
        ("/accounts/login/", 200),
        ("/api/v1/books/", 200),  # the API
        ("/api/v1/books/987654/", 404),  # the API's own 404 body
        ("/api/schema/", 200),
        ("/api/docs/", 200),  # Swagger UI
        ("/api/docs/?script=", 200),  # its start-up script
        ("/admin/", 302),  # the admin sends an anonymous visitor to log in
        ("/admin/login/", 302),
        ("/no-such-page/", 404),
        ("/reservations/", 302),
        ("/static/css/site.css", 200),  # static files, served by WhiteNoise
    ],
)
def test_every_kind_of_response_carries_the_strict_policy_headers(path, status, book):
    response = Client().get(path)
    assert response.status_code == status
    assert_strict_headers(response)


def test_a_book_page_a_post_and_admin_pages_carry_them_too(client, book):
    assert_strict_headers(client.get(f"/books/{book.pk}/"))
    assert_strict_headers(client.post("/wallet/charge/", {"amount": "1000"}))  # a POST: sent to log in
    client.force_login(UserFactory(username="librarian", role=Role.ADMIN, is_superuser=True))
    for path in ("/admin/", "/admin/dashboard/", "/admin/catalog/book/", f"/admin/catalog/book/{book.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_headers(response)


def test_swagger_ui_start_up_script_is_a_file_of_this_site(client):
    """The split view: the page loads its script from /api/docs/?script= (no inline code)."""
    html = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


# --- No template needs an inline script or style -----------------------------------------

ROOT = Path(settings.BASE_DIR)
# Django template comments may talk about <style>; they are not sent.
TEMPLATE_COMMENT = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)
INLINE = {
    "a <script> without src": re.compile(r"<script\b(?![^>]*\ssrc\s*=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style[\s>]", re.I),
    "a style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.I),
    "an event handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def inline_code(text: str) -> list[str]:
    """What in `text` (HTML or a template) the policy would refuse, each as "<kind>: <excerpt>"."""
    text = TEMPLATE_COMMENT.sub("", text)
    return [f"{kind}: {match.group(0)!r}" for kind, pattern in INLINE.items() for match in pattern.finditer(text)]


# E-mails (R39) are not pages: no browser loads them under our policy, and mail clients drop
# <style> and external sheets, so their HTML is styled inline on purpose.
EMAIL_TEMPLATES = ROOT / "templates" / "notifications" / "email"


def project_templates() -> list[Path]:
    folders = [ROOT / "templates", *(path for path in ROOT.glob("*/templates") if path.parent.name != ".venv")]
    found = (path for folder in folders for path in folder.rglob("*.html"))
    return sorted(path for path in found if EMAIL_TEMPLATES not in path.parents)


def test_the_scan_finds_each_kind_of_inline_code():
    assert inline_code('<script src="/static/x.js"></script><link rel="stylesheet" href="/static/a.css">') == []
    assert inline_code("{% comment %}no inline <style> here{% endcomment %}{# nor <script> #}") == []
    found = inline_code(
        '<script>alert(1)</script><style>p{}</style><p style="color:red">'
        '<button onclick="go()"><a href="javascript:go()"><svg style="x">'
    )
    assert [item.split(":")[0] for item in found] == [
        "a <script> without src",
        "a <style> element",
        "a style attribute",
        "a style attribute",
        "an event handler attribute",
        "a javascript",
    ]


def test_no_template_has_inline_script_style_or_handlers():
    templates = project_templates()
    assert len(templates) > 20 and ROOT / "templates" / "admin" / "dashboard.html" in templates
    found = {str(path.relative_to(ROOT)): inline_code(path.read_text()) for path in templates}
    assert {name: items for name, items in found.items() if items} == {}


def test_the_svg_charts_have_no_style_attribute():
    columns = column_chart(
        chart_id="c", title="Per day", labels=["a", "b"], values=[3, -2], x_title="Day", y_title="Reservations"
    )
    bars = bar_chart(chart_id="q", title="Queues", labels=["Kelidar"], values=[4], x_title="Customers")
    assert inline_code(columns) == [] and inline_code(bars) == []
    assert 'width="760" height="280"' in columns  # the natural size; admin.css shrinks it on small screens


def test_rendered_pages_have_no_inline_code_either(client, book):
    """What the templates produce, with Django's admin and drf-spectacular's templates under ours."""
    pages = ["/", f"/books/{book.pk}/", "/accounts/login/", "/accounts/signup/", "/api/docs/"]
    found = {path: inline_code(client.get(path).content.decode()) for path in pages}
    client.force_login(UserFactory(username="librarian", role=Role.ADMIN, is_superuser=True))
    for path in ("/admin/", "/admin/dashboard/", "/admin/catalog/book/", f"/admin/catalog/book/{book.pk}/change/"):
        found[path] = inline_code(client.get(path).content.decode())
    assert {path: items for path, items in found.items() if items} == {}
