"""Helpers and a fixture shared by the accounts tests: login codes, page checks, the contact-change user.

The helpers are plain functions, imported from here: ``from accounts.tests.conftest import ...``.

``assert_page_basics`` is the accessibility and safety check every page test uses: one
<h1>, a CSRF token in every POST form, a <label for=...> for every visible field, alt
text on every image. The other apps' page tests import it, and ``text_of``, from test_pages.py.
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a long and unusual pass phrase 42"

# --- Login codes over the API (test_login.py, test_otp_limits.py, test_token_revocation.py) ---

CODE_LINE = re.compile(r"^SMS to (\+\d+): Your Bookstore code is (\d{6})\. It expires in 2 minutes\.$")


def sms_codes(capsys) -> list[tuple[str, str]]:
    """The (phone, code) pairs the console SMS backend printed since the last call."""
    lines = capsys.readouterr().out.splitlines()
    return [match.groups() for line in lines if (match := CODE_LINE.match(line))]


def log_in(api_client, capsys, username: str, password: str = PASSWORD) -> dict:
    """Run both steps over the API and return the token pair."""
    response = api_client.post("/api/v1/auth/login/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    (_, code), *_ = sms_codes(capsys)
    response = api_client.post(
        "/api/v1/auth/verify-otp/", {"challenge": response.json()["challenge"], "code": code}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def bearer(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


# --- Pages --------------------------------------------------------------------------------


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1_count = 0
        self.label_targets: set[str] = set()
        self.fields: list[dict] = []
        self.images_without_alt = 0
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "h1":
            self.h1_count += 1
        elif tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        elif tag == "img" and not attributes.get("alt"):
            self.images_without_alt += 1
        elif tag == "form":
            self._form = {"method": (attributes.get("method") or "get").lower(), "csrf": False}
            self.forms.append(self._form)
        elif tag in {"input", "select", "textarea"}:
            kind = attributes.get("type", "text" if tag == "input" else tag)
            if tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self._form is not None:
                self._form["csrf"] = True
            if kind not in {"hidden", "submit", "button", "reset", "image"}:
                self.fields.append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def assert_page_basics(response) -> str:
    """Check one <h1>, CSRF in POST forms, a label for every field and alt text; return the HTML."""
    html = response.content.decode()
    parser = _PageParser()
    parser.feed(html)
    assert parser.h1_count == 1, f"expected one <h1>, found {parser.h1_count}"
    assert all(form["csrf"] for form in parser.forms if form["method"] == "post"), "a POST form lacks CSRF"
    for field in parser.fields:
        assert field.get("id") in parser.label_targets, f"field {field.get('name')!r} has no <label for>"
    assert parser.images_without_alt == 0
    return html


def text_of(response) -> str:
    """The page's text with tags removed and spaces collapsed, for reading like a user."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.replace("&#x27;", "'").replace("&quot;", '"').split())


def printed_code(capsys) -> str:
    return re.search(r"code is (\d{6})", capsys.readouterr().out).group(1)


def log_in_with_code(client: Client, capsys, username: str, password: str, next_url: str = "/") -> None:
    response = client.post("/accounts/login/", {"username": username, "password": password, "next": next_url})
    assert response.status_code == 302, response.content
    response = client.post("/accounts/login/code/", {"code": printed_code(capsys)})
    assert response.status_code == 302 and response["Location"] == next_url


# --- Contact changes (test_contact_change*.py) --------------------------------------------

OLD_PHONE, NEW_PHONE = "+989121110001", "+989359990002"
SMS_LINE = re.compile(r"^SMS to (\+\d+): (.*)$", re.MULTILINE)
CODE = re.compile(r"code is (\d{6})")


def texts(capsys) -> list[tuple[str, str]]:
    """The (phone, message) pairs the console SMS backend printed since the last call."""
    return SMS_LINE.findall(capsys.readouterr().out)


def code_sent_to(phone: str, sent: list[tuple[str, str]]) -> str:
    codes = [match.group(1) for to, message in sent if to == phone and (match := CODE.search(message))]
    assert len(codes) == 1, sent
    return codes[0]


@pytest.fixture
def user():
    """Sara on OLD_PHONE: the user whose phone or e-mail the contact-change tests change."""
    return UserFactory(username="sara", email="sara@example.com", phone=OLD_PHONE)


def other_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"
