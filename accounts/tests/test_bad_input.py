"""Inputs of the accounts API that once answered 500 (issue 13): now 400 with the error body (R26)."""

import re

import pytest
from django.db import connection

from accounts.models import User
from accounts.tests.factories import UserFactory
from bookstore.tests.api_assertions import assert_invalid
from bookstore.tests.concurrency import interleave

# A twin request's user row stays uncommitted until the request under test waits on its
# unique key (interleave): the request's own uniqueness check could not see it, so its
# write is the one that fails.
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_a_signup_losing_the_race_for_its_username_is_400_not_500_R26(api_client):
    api_client.raise_request_exception = False
    payload = {"username": "twin", "email": "late@example.com", "phone": "+989120000001", "password": "pw-Ab3-long"}
    _, signup = interleave(
        lambda: UserFactory(username="twin", email="first@example.com", phone="+989120000002"),
        lambda: api_client.post("/api/v1/auth/signup/", payload, format="json"),
        must_wait=True,
    )
    body = assert_invalid(signup.value, "non_field_errors")
    assert "just taken" in body["errors"]["non_field_errors"][0]
    assert list(User.objects.filter(username="twin").values_list("email", flat=True)) == ["first@example.com"]


@pytest.mark.django_db(transaction=True)
def test_an_email_change_losing_the_race_is_400_not_500_R26(client_for, capsys):
    """The confirm of a new e-mail (issue 14, item 4) against a twin taking it in another case."""
    user = UserFactory(username="mover", email="old@example.com", phone="+989120000003")
    client = client_for(user)
    client.raise_request_exception = False
    started = client.post(
        f"/api/v1/users/{user.pk}/contact-change/",
        {"email": "wanted@example.com", "password": "correct horse battery staple"},
        format="json",
    )
    assert started.status_code == 202, started.json()
    code = re.search(r"code is (\d{6})", capsys.readouterr().out).group(1)
    _, change = interleave(
        lambda: UserFactory(username="other", email="WANTED@example.com", phone="+989120000004"),
        lambda: client.post(
            f"/api/v1/users/{user.pk}/contact-change/confirm/",
            {"change": started.json()["change"], "code": code},
            format="json",
        ),
        must_wait=True,
    )
    assert_invalid(change.value, "non_field_errors")
    user.refresh_from_db()
    assert user.email == "old@example.com"
