"""Refresh rotation that cannot fork, and replay detection by login family (R22, issue 14).

Each login starts a family; a refresh swaps its one live token for the next. Any other
token of the family coming back was already rotated: the whole family ends, access
tokens included, and the answer is 401 ``token_reused``.
"""

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.authentication import REVOCATION_CLAIM, revocation_stamp
from accounts.models import RefreshFamily
from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory
from bookstore.tests.concurrency import run_together

REFRESH = "/api/v1/auth/refresh/"


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me/")


@pytest.mark.django_db
def test_a_rotated_token_presented_again_ends_the_whole_login():
    user = UserFactory()
    login = issue_tokens(user)
    first = refresh(login["refresh"])
    assert first.status_code == 200
    second = refresh(first.json()["refresh"])
    assert second.status_code == 200
    live = second.json()
    assert me(live["access"]).status_code == 200

    replay = refresh(login["refresh"])  # the login's own token, rotated two steps ago

    assert replay.status_code == 401 and replay.json()["code"] == "token_reused"
    # The thief's copy and the owner's live pair are both dead now: nobody can tell them apart.
    assert refresh(live["refresh"]).json()["code"] == "token_not_valid"
    refused = me(live["access"])
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert RefreshFamily.objects.get(user=user).end_reason == RefreshFamily.EndReason.REUSED


@pytest.mark.django_db
def test_ending_one_login_leaves_the_users_other_logins_alone():
    user = UserFactory()
    phone, laptop = issue_tokens(user), issue_tokens(user)
    assert refresh(phone["refresh"]).status_code == 200
    assert refresh(phone["refresh"]).json()["code"] == "token_reused"

    assert me(laptop["access"]).status_code == 200
    assert refresh(laptop["refresh"]).status_code == 200


@pytest.mark.django_db
def test_logout_stops_the_logins_access_token_at_once():
    user = UserFactory()
    login = issue_tokens(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access']}")
    assert client.post("/api/v1/auth/logout/", {"refresh": login["refresh"]}, format="json").status_code == 204

    assert me(login["access"]).json()["code"] == "token_revoked"
    again = refresh(login["refresh"])
    assert again.status_code == 401 and again.json()["code"] == "token_not_valid"
    assert RefreshFamily.objects.get(user=user).end_reason == RefreshFamily.EndReason.LOGOUT


@pytest.mark.django_db
def test_a_refresh_token_without_a_family_is_refused():
    """Tokens made before families existed cannot be rotated: log in again."""
    user = UserFactory()
    legacy = RefreshToken.for_user(user)
    legacy[REVOCATION_CLAIM] = revocation_stamp(user)
    response = refresh(str(legacy))
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_a_token_naming_another_users_family_is_refused():
    """The family id is signed into the token; a family is also checked to be the user's."""
    victim, other = UserFactory(), UserFactory()
    issue_tokens(victim)
    family = RefreshFamily.objects.get(user=victim)
    forged = RefreshToken.for_user(other)
    forged[REVOCATION_CLAIM] = revocation_stamp(other)
    forged["fam"] = family.pk
    response = refresh(str(forged))
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"
    family.refresh_from_db()
    assert family.ended_at is None


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_refreshes_of_one_token_give_exactly_one_pair():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions")
    user = UserFactory()
    login = issue_tokens(user)

    outcomes = run_together([lambda: refresh(login["refresh"]) for _ in range(20)])

    responses = [outcome.value for outcome in outcomes]
    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) == 1, sorted(response.status_code for response in responses)
    losers = [response.json()["code"] for response in responses if response.status_code != 200]
    assert all(response.status_code == 401 for response in responses if response.status_code != 200)
    assert "token_reused" in losers and set(losers) <= {"token_reused", "token_not_valid"}
    # The replays ended the family, so even the one pair handed out is dead: no branch lives on.
    pair = winners[0].json()
    assert refresh(pair["refresh"]).status_code == 401
    assert me(pair["access"]).status_code == 401


@pytest.mark.django_db
def test_families_no_token_can_name_are_deleted_and_the_rest_kept(now):
    """The hourly beat task deletes families untouched for a refresh lifetime (R22)."""
    from datetime import timedelta

    from django.conf import settings

    from accounts.services import delete_spent_logins
    from accounts.tasks import delete_spent_logins as task

    lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    user = UserFactory()
    issue_tokens(user, now=now - lifetime - timedelta(minutes=1))  # never rotated: spent
    issue_tokens(user, now=now - lifetime - timedelta(hours=1))
    RefreshFamily.objects.filter(created_at__lt=now - lifetime - timedelta(minutes=30)).update(
        rotated_at=now - timedelta(hours=1)  # rotated an hour ago: its token lives on
    )
    issue_tokens(user, now=now)  # fresh

    assert OutstandingToken.objects.filter(user=user).count() == 3
    OutstandingToken.objects.filter(user=user).update(expires_at=now + timedelta(hours=1))
    expired = OutstandingToken.objects.filter(user=user).first()
    OutstandingToken.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))

    assert delete_spent_logins(now=now) == 1
    assert RefreshFamily.objects.filter(user=user).count() == 2
    assert OutstandingToken.objects.filter(user=user).count() == 2  # only the expired one went
    assert not OutstandingToken.objects.filter(pk=expired.pk).exists()
    assert task() == 0
