"""A new phone or e-mail on the pages: the current password, then the code (issue 14, item 4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ContactChange
from accounts.tests.conftest import NEW_PHONE, OLD_PHONE, PASSWORD, code_sent_to, other_code, texts

pytestmark = pytest.mark.django_db


# --- Pages ----------------------------------------------------------------------------------


def test_the_profile_shows_phone_and_email_without_fields_for_them(client, user):
    from accounts.tests.test_pages import assert_page_basics

    client.force_login(user)
    html = assert_page_basics(client.get("/accounts/profile/"))
    assert OLD_PHONE in html and "sara@example.com" in html
    assert 'name="phone"' not in html and 'name="email"' not in html
    assert 'href="/accounts/profile/contact/"' in html
    response = client.post(
        "/accounts/profile/", {"first_name": "Sara", "phone": NEW_PHONE, "email": "x@example.com", "notify_by": "sms"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.phone, user.email) == ("Sara", OLD_PHONE, "sara@example.com")


def test_a_new_phone_on_the_pages(client, user, capsys, django_capture_on_commit_callbacks):
    from accounts.tests.test_pages import assert_page_basics, text_of

    client.force_login(user)
    assert_page_basics(client.get("/accounts/profile/contact/"))
    response = client.post("/accounts/profile/contact/", {"phone": "+98 935 999 0002", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/contact/code/"
    code = code_sent_to(NEW_PHONE, texts(capsys))
    page = client.get("/accounts/profile/contact/code/")
    assert_page_basics(page)
    assert "We sent a 6-digit code to +98…02." in text_of(page) and NEW_PHONE in text_of(page)
    user.refresh_from_db()
    assert user.phone == OLD_PHONE

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/profile/contact/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 200  # this session stays logged in
    assert f"Your phone number is now {NEW_PHONE}." in text_of(profile)
    user.refresh_from_db()
    assert user.phone == NEW_PHONE and user.tokens_revoked_at is not None
    assert [to for to, _ in texts(capsys)] == [OLD_PHONE]


def test_a_new_email_on_the_pages(client, user, capsys):
    client.force_login(user)
    response = client.post("/accounts/profile/contact/", {"email": "sara2@example.com", "password": PASSWORD})
    assert response.status_code == 302
    code = code_sent_to(OLD_PHONE, texts(capsys))
    assert client.post("/accounts/profile/contact/code/", {"code": code}).status_code == 302
    user.refresh_from_db()
    assert user.email == "sara2@example.com"


def test_the_pages_show_a_wrong_password_and_a_wrong_code(client, user, capsys):
    from accounts.tests.test_pages import text_of

    client.force_login(user)
    wrong = client.post("/accounts/profile/contact/", {"phone": NEW_PHONE, "password": "nope"})
    assert wrong.status_code == 400 and "This is not your current password." in text_of(wrong)
    neither = client.post("/accounts/profile/contact/", {"password": PASSWORD})
    assert neither.status_code == 400 and "Give either a new phone number or a new e-mail address." in text_of(neither)
    client.post("/accounts/profile/contact/", {"phone": NEW_PHONE, "password": PASSWORD})
    code = code_sent_to(NEW_PHONE, texts(capsys))
    bad = client.post("/accounts/profile/contact/code/", {"code": other_code(code)})
    assert bad.status_code == 400 and "The code is not correct." in text_of(bad)
    user.refresh_from_db()
    assert user.phone == OLD_PHONE


def test_an_expired_code_on_the_page_sends_you_back_to_start(client, user, capsys):
    from accounts.tests.test_pages import text_of

    client.force_login(user)
    client.post("/accounts/profile/contact/", {"phone": NEW_PHONE, "password": PASSWORD})
    code = code_sent_to(NEW_PHONE, texts(capsys))
    ContactChange.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post("/accounts/profile/contact/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/contact/"
    assert "expired" in text_of(client.get("/accounts/profile/contact/"))
    assert client.get("/accounts/profile/contact/code/")["Location"] == "/accounts/profile/contact/"


def test_the_code_page_without_a_change_sends_you_to_step_one(client, user):
    client.force_login(user)
    response = client.get("/accounts/profile/contact/code/")
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/contact/"


def test_the_contact_pages_need_a_login(client):
    assert client.get("/accounts/profile/contact/")["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/profile/contact/code/")["Location"].startswith("/accounts/login/")
