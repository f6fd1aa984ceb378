"""GET notifications/ and POST notifications/read/: own only, newest first, the unread count (R32, R39)."""

from datetime import timedelta

import pytest

from accounts.models import Notification
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notification(user, message: str, at, read: bool = False) -> Notification:
    return Notification.objects.create(
        user=user, kind=Notification.Kind.PROMOTED, message=message, created_at=at, read_at=at if read else None
    )


@pytest.fixture
def mailbox(now):
    """Three notifications of one user (one read), and one of another user."""
    me, other = UserFactory(), UserFactory()
    old = _notification(me, "old", now - timedelta(days=2), read=True)
    middle = _notification(me, "middle", now - timedelta(days=1))
    new = _notification(me, "new", now)
    theirs = _notification(other, "theirs", now + timedelta(minutes=1))
    return {"me": me, "other": other, "old": old, "middle": middle, "new": new, "theirs": theirs}


def test_the_list_is_mine_only_newest_first_with_the_unread_count_R39(client_for, mailbox):
    response = client_for(mailbox["me"]).get("/api/v1/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["unread"] == 2
    assert body["next"] is None and body["previous"] is None
    assert [row["message"] for row in body["results"]] == ["new", "middle", "old"]
    assert body["results"][0] == {
        "id": mailbox["new"].pk,
        "kind": "promoted",
        "message": "new",
        "created_at": body["results"][0]["created_at"],
        "read": False,
    }
    assert [row["read"] for row in body["results"]] == [False, False, True]


def test_the_list_is_paginated_and_every_page_carries_the_unread_count_R39(client_for, mailbox):
    client = client_for(mailbox["me"])
    first = client.get("/api/v1/notifications/", {"page_size": 2}).json()
    assert [row["message"] for row in first["results"]] == ["new", "middle"]
    assert first["next"] and first["unread"] == 2
    second = client.get(first["next"]).json()
    assert [row["message"] for row in second["results"]] == ["old"] and second["unread"] == 2


def test_listing_marks_nothing_read_R39(client_for, mailbox):
    client_for(mailbox["me"]).get("/api/v1/notifications/")
    assert Notification.objects.filter(user=mailbox["me"], read_at__isnull=True).count() == 2


def test_the_list_costs_two_queries_past_authentication(client_for, mailbox, django_assert_max_num_queries):
    client = client_for(mailbox["me"])
    client.get("/api/v1/notifications/")  # warm the token's user lookups
    with django_assert_max_num_queries(4):  # the user (JWT), its revocation check, counts, the page
        client.get("/api/v1/notifications/")


def test_mark_all_read_leaves_another_users_untouched_R39(client_for, mailbox):
    response = client_for(mailbox["me"]).post("/api/v1/notifications/read/", {}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert not Notification.objects.filter(user=mailbox["me"], read_at__isnull=True).exists()
    mailbox["theirs"].refresh_from_db()
    assert mailbox["theirs"].read_at is None
    assert client_for(mailbox["me"]).get("/api/v1/notifications/").json()["unread"] == 0


def test_mark_some_read_by_ids_and_another_users_ids_mark_nothing_R39(client_for, mailbox):
    ids = [mailbox["middle"].pk, mailbox["theirs"].pk, mailbox["old"].pk]
    response = client_for(mailbox["me"]).post("/api/v1/notifications/read/", {"ids": ids}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    for name, read in [("middle", True), ("new", False), ("theirs", False)]:
        mailbox[name].refresh_from_db()
        assert (mailbox[name].read_at is not None) is read, name


def test_mark_read_refuses_bad_ids_and_unknown_fields_R26(client_for, mailbox):
    client = client_for(mailbox["me"])
    for body in [{"ids": "all"}, {"ids": [0]}, {"ids": ["x"]}, {"everything": True}]:
        response = client.post("/api/v1/notifications/read/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"
    assert Notification.objects.filter(user=mailbox["me"], read_at__isnull=True).count() == 2


def test_both_need_authentication_R22(api_client):
    assert api_client.get("/api/v1/notifications/").status_code == 401
    response = api_client.post("/api/v1/notifications/read/", {}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_page_and_the_api_agree_on_what_is_read(client, client_for, mailbox):
    """The notifications page marks what it shows read; the API then counts none unread."""
    client.force_login(mailbox["me"])
    assert client.get("/accounts/notifications/").status_code == 200
    assert client_for(mailbox["me"]).get("/api/v1/notifications/").json()["unread"] == 0
