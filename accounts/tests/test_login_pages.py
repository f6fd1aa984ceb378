"""The HTML login: the same two steps as the API, then a session (R21, R22)."""

import re

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def printed_code(capsys) -> str:
    return re.search(r"code is (\d{6})", capsys.readouterr().out).group(1)


def test_login_with_password_then_code_starts_a_session(client, capsys):
    UserFactory(username="sara")
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'<label for="id_username">' in page.content
    response = client.post("/accounts/login/", {"username": "sara", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    response = client.post("/accounts/login/code/", {"code": printed_code(capsys)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/accounts/login/").wsgi_request.user.username == "sara"


def test_wrong_password_shows_the_same_error_as_unknown_user(client, capsys):
    UserFactory(username="sara")
    wrong_password = client.post("/accounts/login/", {"username": "sara", "password": "nope"})
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "nope"})
    assert wrong_password.status_code == unknown.status_code == 401
    assert b"The username or password is not correct." in wrong_password.content
    assert b"The username or password is not correct." in unknown.content
    assert capsys.readouterr().out == ""


def test_wrong_code_stays_on_the_code_page(client, capsys):
    UserFactory(username="sara")
    client.post("/accounts/login/", {"username": "sara", "password": PASSWORD})
    code = printed_code(capsys)
    response = client.post("/accounts/login/code/", {"code": "000000" if code != "000000" else "111111"})
    assert response.status_code == 401 and b"The code is not correct." in response.content
    assert not response.wsgi_request.user.is_authenticated


def test_code_page_without_a_challenge_sends_you_to_step_one(client):
    response = client.get("/accounts/login/code/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_next_must_stay_on_this_site(client, capsys):
    UserFactory(username="sara")
    client.post("/accounts/login/", {"username": "sara", "password": PASSWORD, "next": "https://evil.example/"})
    response = client.post("/accounts/login/code/", {"code": printed_code(capsys)})
    assert response["Location"] == "/"


def test_logout_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get("/accounts/login/").wsgi_request.user.is_authenticated


def test_logout_needs_post_and_csrf(client):
    from django.test import Client

    assert client.get("/accounts/logout/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    assert strict.post("/accounts/logout/").status_code == 403


def test_admin_site_logs_in_through_the_two_steps(client):
    response = client.get("/admin/login/?next=/admin/catalog/book/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fcatalog%2Fbook%2F"


def test_admin_action_revokes_tokens_but_not_of_admins(client):
    admin = UserFactory(role=Role.ADMIN, is_superuser=True)
    customer = UserFactory()
    other_admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "revoke_tokens", "_selected_action": [customer.pk, other_admin.pk]},
        follow=True,
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    other_admin.refresh_from_db()
    assert customer.tokens_revoked_at is not None
    assert other_admin.tokens_revoked_at is None
    assert b"cannot be revoked" in response.content


def test_the_code_page_names_the_masked_phone_and_the_tries_left_R21(client, capsys):
    """Issue 17: the code page said neither where the code went nor how many tries were left."""
    from accounts.models import masked_phone

    user = UserFactory(username="sara")
    client.post("/accounts/login/", {"username": "sara", "password": PASSWORD})
    code = printed_code(capsys)
    page = client.get("/accounts/login/code/").content.decode()
    assert masked_phone(user.phone) in page and user.phone not in page
    assert "5 wrong tries left" in page
    wrong = client.post("/accounts/login/code/", {"code": "000000" if code != "000000" else "111111"})
    assert "4 wrong tries left" in wrong.content.decode()
