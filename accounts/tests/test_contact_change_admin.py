"""A phone or e-mail an admin sets on the admin site: the old phone is told, a new phone ends the tokens (issue 14)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory, user_change_form

pytestmark = pytest.mark.django_db


# --- The admin site is a writer too -------------------------------------------------


def _admin_saves_contact(user, **changes):
    from django.test import Client

    admin = UserFactory(role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    return client.post(f"/admin/accounts/user/{user.pk}/change/", user_change_form(user, **changes))


def test_a_phone_an_admin_sets_tells_the_old_phone_and_ends_the_tokens(capfd, django_capture_on_commit_callbacks):
    user = UserFactory(phone="+989121110001")
    tokens = issue_tokens(user)
    capfd.readouterr()
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_saves_contact(user, phone="+989121110002")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == "+989121110002"
    out = capfd.readouterr().out
    assert "SMS to +989121110001: Your Bookstore phone number was changed to" in out
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/v1/me/").json()["code"] == "token_revoked"


def test_an_email_an_admin_sets_tells_the_phone_and_revokes_nothing(capfd, django_capture_on_commit_callbacks):
    user = UserFactory(phone="+989121110003")
    tokens = issue_tokens(user)
    capfd.readouterr()
    with django_capture_on_commit_callbacks(execute=True):
        assert _admin_saves_contact(user, email="new.address@example.com").status_code == 302
    assert "SMS to +989121110003: Your Bookstore e-mail address was changed to" in capfd.readouterr().out
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/v1/me/").status_code == 200


def test_an_admin_saving_other_fields_tells_no_one(capfd, django_capture_on_commit_callbacks):
    user = UserFactory()
    capfd.readouterr()
    with django_capture_on_commit_callbacks(execute=True):
        assert _admin_saves_contact(user, first_name="Sara").status_code == 302
    assert "SMS to" not in capfd.readouterr().out
