"""JWT over the API: refresh rotation, logout, expired and garbage tokens (R22)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import issue_tokens
from accounts.tests.conftest import bearer
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- JWT: rotation, logout, expiry (R22) ------------------------------------------


def test_refresh_rotates_and_the_old_refresh_is_spent(api_client):
    user = UserFactory()
    tokens = issue_tokens(user)
    first = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"} and first.json()["refresh"] != tokens["refresh"]
    newer = api_client.post("/api/v1/auth/refresh/", {"refresh": first.json()["refresh"]}, format="json")
    assert newer.status_code == 200
    # A replay of a spent token ends the login (accounts/tests/test_refresh_families.py).
    replay = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert replay.status_code == 401 and replay.json()["code"] == "token_reused"


def test_logout_blacklists_the_refresh_token(api_client):
    user = UserFactory()
    tokens = issue_tokens(user)
    response = bearer(api_client, tokens["access"]).post(
        "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 204
    api_client.credentials()
    refused = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401


def test_logout_with_someone_elses_refresh_is_refused(api_client):
    mine, theirs = issue_tokens(UserFactory()), issue_tokens(UserFactory())
    response = bearer(api_client, mine["access"]).post(
        "/api/v1/auth/logout/", {"refresh": theirs["refresh"]}, format="json"
    )
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


def test_logout_needs_authentication(api_client):
    response = api_client.post("/api/v1/auth/logout/", {"refresh": "x"}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_expired_and_garbage_access_tokens_are_401(api_client):
    user = UserFactory()
    expired = AccessToken.for_user(user)
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))
    for token in (str(expired), "garbage"):
        response = bearer(api_client, token).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
