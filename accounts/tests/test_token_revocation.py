"""Revocation: an admin ends a user's tokens and sessions; a new password ends every token (R24)."""

import pytest

from accounts.models import Role, User
from accounts.services import issue_tokens, register_user
from accounts.tests.conftest import PASSWORD, bearer, log_in
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- Revocation (R24) -------------------------------------------------------------


def test_admin_revokes_access_refresh_and_sessions_of_a_user(api_client, client, client_for):
    admin = UserFactory(role=Role.ADMIN)
    victim = register_user(username="vic", email="vic@example.com", phone="+989121110000", password=PASSWORD)
    tokens = issue_tokens(victim)
    client.force_login(victim)
    assert client.get("/accounts/login/").wsgi_request.user.is_authenticated

    response = client_for(admin).post(f"/api/v1/admin/users/{victim.pk}/revoke-tokens/")
    assert response.status_code == 204

    refused = bearer(api_client, tokens["access"]).get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    api_client.credentials()
    refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert not client.get("/accounts/login/").wsgi_request.user.is_authenticated

    # Tokens issued after the revocation, even within the same second, work.
    fresh = issue_tokens(User.objects.get(pk=victim.pk))
    assert bearer(api_client, fresh["access"]).get("/api/v1/me/").status_code == 200


def test_revoking_an_admin_is_403(client_for):
    admin, other_admin = UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)
    response = client_for(admin).post(f"/api/v1/admin/users/{other_admin.pk}/revoke-tokens/")
    assert response.status_code == 403 and response.json()["code"] == "cannot_revoke_admin"
    other_admin.refresh_from_db()
    assert other_admin.tokens_revoked_at is None


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AUTHOR])
def test_only_admins_revoke(client_for, role):
    target = UserFactory()
    response = client_for(UserFactory(role=role)).post(f"/api/v1/admin/users/{target.pk}/revoke-tokens/")
    assert response.status_code == 403


def test_revoking_an_unknown_user_is_404(client_for):
    response = client_for(UserFactory(role=Role.ADMIN)).post("/api/v1/admin/users/999999/revoke-tokens/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_revocation_check_costs_no_query_beyond_the_user_row(api_client, django_assert_num_queries):
    admin = UserFactory(role=Role.ADMIN)  # an admin's /me/ has no profile to read
    bearer(api_client, issue_tokens(admin)["access"])
    with django_assert_num_queries(1):  # the user row, which also carries the cut-off
        assert api_client.get("/api/v1/me/").status_code == 200


def test_password_change_ends_every_token(api_client, capsys):
    register_user(username="pw", email="pw@example.com", phone="+989121119999", password=PASSWORD)
    tokens = log_in(api_client, capsys, "pw")
    bearer(api_client, tokens["access"])
    response = api_client.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "another fine passphrase"}, format="json"
    )
    assert response.status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401
    api_client.credentials()
    assert log_in(api_client, capsys, "pw", "another fine passphrase")["access"]


def test_password_change_checks_the_old_password(client_for):
    response = client_for(UserFactory()).post(
        "/api/v1/auth/password/", {"old_password": "wrong", "new_password": "another fine passphrase"}, format="json"
    )
    assert response.status_code == 400 and "old_password" in response.json()["errors"]
