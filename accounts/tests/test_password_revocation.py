"""Every new password ends the tokens and sessions issued before it, whoever set it (R24; issue 14, item 3)."""

import getpass
import io

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Role, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture
def signed_in(client_for):
    """A user with a JWT client and a logged-in browser session."""
    user = UserFactory()
    browser = Client()
    browser.force_login(user)
    assert browser.get("/accounts/profile/").status_code == 200
    return user, client_for(user), browser


def assert_signed_out(user: User, api, browser: Client) -> None:
    assert User.objects.get(pk=user.pk).tokens_revoked_at is not None
    assert api.get("/api/v1/me/").status_code == 401
    assert browser.get("/accounts/profile/").status_code == 302  # back to the login page


def test_an_admin_resetting_a_password_in_the_admin_site_ends_tokens_and_sessions_R24(signed_in):
    user, api, browser = signed_in
    admin = Client()
    admin.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))

    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert_signed_out(user, api, browser)


def test_the_changepassword_command_ends_tokens_and_sessions_R24(signed_in, monkeypatch):
    user, api, browser = signed_in
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": NEW_PASSWORD)  # the terminal's prompt

    call_command("changepassword", user.username, stdout=io.StringIO())

    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert_signed_out(user, api, browser)


def test_the_api_password_change_ends_the_other_tokens_R24(signed_in):
    user, api, browser = signed_in
    response = api.post(
        "/api/v1/auth/password/",
        {"old_password": "correct horse battery staple", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code in (200, 204), response.content
    assert_signed_out(user, api, browser)


def test_a_hash_upgrade_at_login_revokes_nothing(settings, signed_in):
    """Django re-hashes a password under a newer hasher when it is checked: the same password."""
    user, api, browser = signed_in
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("md5$")

    assert stored.check_password("correct horse battery staple")

    fresh = User.objects.get(pk=user.pk)
    assert fresh.password.startswith("pbkdf2_sha256$")
    assert fresh.tokens_revoked_at is None
    assert api.get("/api/v1/me/").status_code == 200
