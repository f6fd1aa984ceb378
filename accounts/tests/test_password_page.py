"""Changing one's password on the page: sessions and tokens end with it (R24; issue 14, item 3).

Wrong current passwords count per user, with those of a contact change: after 5 in 15
minutes even the right one waits (429), on the page and the API alike.
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW = "a brand new passphrase 42"
PAGE = "/accounts/profile/password/"


def change(client, old=PASSWORD, new=NEW, again=None):
    return client.post(PAGE, {"old_password": old, "new_password": new, "new_password_again": again or new})


def test_a_new_password_on_the_page_ends_every_session_and_token(client):
    user = UserFactory()
    tokens = issue_tokens(user)
    other_browser = type(client)()
    other_browser.force_login(user)
    client.force_login(user)
    assert client.get(PAGE).status_code == 200

    response = change(client)

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated
    assert not other_browser.get("/accounts/profile/").wsgi_request.user.is_authenticated
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/v1/me/").status_code == 401
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401


@pytest.mark.parametrize(
    ("old", "new", "again", "error"),
    [
        ("wrong", NEW, NEW, b"This is not your current password."),
        (PASSWORD, NEW, "something else", b"The two new passwords differ."),
        (PASSWORD, "123", "123", b"This password is too short."),
    ],
)
def test_bad_input_keeps_the_old_password_and_says_why(client, old, new, again, error):
    user = UserFactory()
    client.force_login(user)
    response = change(client, old, new, again)
    assert response.status_code == 400 and error in response.content
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert client.get("/accounts/profile/").wsgi_request.user.is_authenticated


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_a_stolen_session_cannot_guess_the_password(client):
    user = UserFactory()
    client.force_login(user)
    for _ in range(5):
        assert change(client, old="guess").status_code == 400
    refused = change(client)  # even the right one waits now
    assert refused.status_code == 429 and b"Too many wrong passwords" in refused.content
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_the_api_shares_the_wrong_password_count(client_for):
    user = UserFactory()
    api = client_for(user)
    for _ in range(5):
        response = api.post("/api/v1/auth/password/", {"old_password": "guess", "new_password": NEW}, format="json")
        assert response.status_code == 400
    refused = api.post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW}, format="json")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
