"""R40: the site in Persian and English: the default, the switcher, the user's choice, the API.

The suite runs with ``DJANGO_LANGUAGE_CODE=en`` (bookstore/settings_for_tests.py); these
tests ask for Persian as a visitor does: ``Accept-Language``, the switcher, the stored choice.
"""

import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.tests.factories import UserFactory
from core import formatting

pytestmark = pytest.mark.django_db

PERSIAN_NAV = "فهرست کتاب‌ها"


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_with_no_setting_the_site_speaks_persian():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_LANGUAGE_CODE"}
    environment["DJANGO_SETTINGS_MODULE"] = "bookstore.settings"
    printed = subprocess.run(
        [sys.executable, "-c", "import bookstore.settings as s; print(s.LANGUAGE_CODE, s.LANGUAGES)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.startswith("fa [('fa', 'فارسی'), ('en', 'English')]")


def test_a_persian_browser_gets_a_right_to_left_persian_page(client):
    page = html_of(client.get("/", HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9,en;q=0.5"))
    assert '<html lang="fa" dir="rtl">' in page
    assert f'aria-current="page">{PERSIAN_NAV}</a>' in page and ">Catalog</a>" not in page


def test_an_english_browser_gets_a_left_to_right_english_page(client):
    page = html_of(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="en" dir="ltr">' in page
    assert 'aria-current="page">Catalog</a>' in page and PERSIAN_NAV not in page


def test_with_no_accept_language_the_default_language_answers(client, settings):
    settings.LANGUAGE_CODE = "fa"
    assert '<html lang="fa" dir="rtl">' in html_of(client.get("/"))


def test_the_switcher_changes_the_language_and_goes_back_to_the_page(client):
    page = html_of(client.get("/?q=x", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'action="/language/?next=/%3Fq%3Dx"' in page
    assert 'name="language" value="fa"' in page and 'name="language" value="en"' in page

    switched = client.post("/language/?next=/%3Fq%3Dx", {"language": "fa"}, HTTP_ACCEPT_LANGUAGE="en")
    assert switched.status_code == 302 and switched["Location"] == "/?q=x"
    assert switched.cookies["language"].value == "fa"
    # The cookie now wins over the browser's English.
    assert PERSIAN_NAV in html_of(client.get("/?q=x", HTTP_ACCEPT_LANGUAGE="en"))


def test_the_switcher_refuses_a_language_the_site_does_not_speak(client):
    answer = client.post("/language/?next=/", {"language": "de"})
    assert answer.status_code == 302 and "language" not in answer.cookies


def test_a_logged_in_users_choice_is_stored_and_follows_them(client):
    user = UserFactory(language="")
    client.force_login(user)
    client.post("/language/?next=/", {"language": "fa"}, HTTP_ACCEPT_LANGUAGE="en")
    user.refresh_from_db()
    assert user.language == "fa"

    elsewhere = type(client)()  # another browser: no cookie, an English Accept-Language
    elsewhere.force_login(user)
    assert PERSIAN_NAV in html_of(elsewhere.get("/", HTTP_ACCEPT_LANGUAGE="en"))


def test_patch_me_sets_the_language(client_for):
    user = UserFactory(language="")
    api = client_for(user)
    answer = api.patch("/api/v1/me/", {"language": "en"}, format="json")
    assert answer.status_code == 200 and answer.json()["language"] == "en"
    user.refresh_from_db()
    assert user.language == "en"
    assert api.patch("/api/v1/me/", {"language": ""}, format="json").json()["language"] == ""


def test_patch_me_refuses_an_unknown_language_and_changes_nothing(client_for):
    user = UserFactory(language="fa")
    answer = client_for(user).patch("/api/v1/me/", {"language": "xx"}, format="json")
    assert answer.status_code == 400 and "language" in answer.json()["errors"]
    user.refresh_from_db()
    assert user.language == "fa"


def test_api_texts_follow_accept_language_and_codes_never_change(api_client):
    english = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    persian = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="fa")
    assert english.status_code == persian.status_code == 401
    assert english.json()["code"] == persian.json()["code"]
    assert english.json()["detail"] != persian.json()["detail"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in persian.json()["detail"])
    assert persian["Content-Language"] == "fa"


def test_api_without_accept_language_speaks_the_users_language(client_for):
    user = UserFactory(language="fa")
    answer = client_for(user).get("/api/v1/me/")
    assert answer.status_code == 200 and answer["Content-Language"] == "fa"
    assert client_for(user).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.mark.parametrize(
    ("language", "money", "moment", "day"),
    [
        ("en", "1,234,000 toman", "2026-12-02 02:29", "2026-12-02"),
        ("fa", "۱٬۲۳۴٬۰۰۰ تومان", "۱۴۰۵/۰۹/۱۱ ۰۲:۲۹", "۱۴۰۵/۰۹/۱۱"),
    ],
)
def test_money_and_dates_read_in_the_language(language, money, moment, day):
    at = datetime(2026, 12, 2, 2, 29, tzinfo=TEHRAN)
    with translation.override(language):
        assert formatting.toman(1_234_000) == money
        assert formatting.local_time(at) == moment
        assert formatting.local_date(at) == day
        assert formatting.number(7) == ("۷" if language == "fa" else "7")
