"""A new phone or e-mail needs the current password and a code (issue 14, item 4).

The attack: ``PATCH users/{id}/ {"phone": ...}`` with a stolen access token moved the
login codes to the thief's phone, so a few minutes with the token owned the account for
good. Now the phone and e-mail change in two steps: the current password, then the code
texted to the new phone (to the current phone for an e-mail); the old phone is told.
These are the API's tests and the race of two confirms; the pages are in
test_contact_change_pages.py, the admin site in test_contact_change_admin.py. The confirm
that loses the race for its e-mail address to a twin signup is in test_bad_input.py.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.contact_change import confirm_contact_change, start_contact_change
from accounts.exceptions import ContactChangeExpired, WrongContactCode
from accounts.models import ContactChange, User
from accounts.tests.conftest import NEW_PHONE, OLD_PHONE, PASSWORD, code_sent_to, other_code, texts
from accounts.tests.factories import UserFactory
from bookstore.tests.api_assertions import assert_error, assert_invalid

pytestmark = pytest.mark.django_db


def start(client, user, **body):
    return client.post(f"/api/v1/users/{user.pk}/contact-change/", {"password": PASSWORD, **body}, format="json")


def confirm(client, user, change, code):
    return client.post(
        f"/api/v1/users/{user.pk}/contact-change/confirm/", {"change": str(change), "code": code}, format="json"
    )


# --- The attack -----------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"phone": NEW_PHONE}, {"email": "thief@example.com"}, {"phone": NEW_PHONE, "x": 1}])
def test_a_stolen_token_alone_cannot_change_the_phone_or_email(client_for, user, body):
    response = client_for(user).patch(f"/api/v1/users/{user.pk}/", body, format="json")
    errors = assert_invalid(response, next(iter(body)))["errors"]
    assert "contact-change/" in errors[next(iter(body))][0]  # points to the endpoints to use
    user.refresh_from_db()
    assert (user.phone, user.email) == (OLD_PHONE, "sara@example.com")


def test_names_still_change_with_a_plain_patch(client_for, user):
    response = client_for(user).patch(f"/api/v1/users/{user.pk}/", {"first_name": "Sara"}, format="json")
    assert response.status_code == 200 and response.json()["first_name"] == "Sara"


# --- The whole flow over the API ------------------------------------------------------------


def test_a_new_phone_with_password_and_code_sent_to_it_and_the_old_phone_told(
    api_client, client_for, user, capsys, django_capture_on_commit_callbacks
):
    client = client_for(user)
    started = start(client, user, phone=NEW_PHONE)
    assert started.status_code == 202, started.json()
    body = started.json()
    assert body["field"] == "phone" and body["new_value"] == NEW_PHONE
    assert body["sent_to"] == "+98…02" and body["expires_in"] == 300
    code = code_sent_to(NEW_PHONE, texts(capsys))  # to the new phone, not the old one
    user.refresh_from_db()
    assert user.phone == OLD_PHONE  # nothing changes before the code

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = confirm(client, user, body["change"], code)
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["phone"] == NEW_PHONE
    user.refresh_from_db()
    assert user.phone == NEW_PHONE
    (to, message), *more = texts(capsys)
    assert not more and to == OLD_PHONE
    assert message == "Your Bookstore phone number was changed to +98…02. If this wasn't you, contact us at once."

    # The second factor moved: every token from before ends (as a new password's would).
    assert client.get("/api/v1/me/").status_code == 401
    login = api_client.post("/api/v1/auth/login/", {"username": "sara", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    assert [to for to, _ in texts(capsys)] == [NEW_PHONE]  # login codes go to the new phone


def test_a_new_email_with_password_and_a_code_to_the_current_phone(
    client_for, user, capsys, django_capture_on_commit_callbacks
):
    client = client_for(user)
    started = start(client, user, email="Sara.New@Example.COM")
    assert started.status_code == 202, started.json()
    assert started.json()["new_value"] == "Sara.New@example.com"  # NFKC, domain lower-cased
    assert started.json()["sent_to"] == "+98…01"
    sent = texts(capsys)
    code = code_sent_to(OLD_PHONE, sent)
    assert "S…@example.com" in sent[0][1]

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = confirm(client, user, started.json()["change"], code)
    assert confirmed.status_code == 200 and confirmed.json()["email"] == "Sara.New@example.com"
    told = "Your Bookstore e-mail address was changed to S…@example.com. If this wasn't you, contact us at once."
    assert texts(capsys) == [(OLD_PHONE, told)]
    assert client.get("/api/v1/me/").status_code == 200  # an e-mail is no login factor: nothing revoked


# --- Refusals -------------------------------------------------------------------------------


def test_a_wrong_password_is_400_and_sends_nothing(client_for, user, capsys):
    response = client_for(user).post(
        f"/api/v1/users/{user.pk}/contact-change/", {"password": "not it", "phone": NEW_PHONE}, format="json"
    )
    body = assert_invalid(response, "password")
    assert body["errors"]["password"] == ["This is not your current password."]
    assert texts(capsys) == [] and not ContactChange.objects.exists()


def test_five_wrong_passwords_lock_the_change_out_even_for_the_right_one(client_for, user, capsys):
    client = client_for(user)
    for _ in range(5):
        wrong = client.post(
            f"/api/v1/users/{user.pk}/contact-change/", {"password": "guess", "phone": NEW_PHONE}, format="json"
        )
        assert wrong.status_code == 400
    right = start(client, user, phone=NEW_PHONE)
    body = assert_error(right, 429, "too_many_requests")
    assert body["retry_after"] > 0 and right["Retry-After"] == str(body["retry_after"])
    assert "wrong passwords" in body["detail"]
    assert texts(capsys) == []


def test_a_wrong_code_is_400_with_attempts_left_and_the_fifth_ends_the_change(client_for, user, capsys):
    client = client_for(user)
    change = start(client, user, phone=NEW_PHONE).json()["change"]
    code = code_sent_to(NEW_PHONE, texts(capsys))
    first = confirm(client, user, change, other_code(code))
    assert assert_error(first, 400, "invalid_code")["attempts_left"] == 4
    for _ in range(3):
        confirm(client, user, change, other_code(code))
    last = confirm(client, user, change, other_code(code))
    assert_error(last, 409, "contact_change_expired")
    assert_error(confirm(client, user, change, code), 409, "contact_change_expired")  # the right one, too late
    user.refresh_from_db()
    assert user.phone == OLD_PHONE


def test_an_expired_code_is_409(client_for, user, capsys):
    client = client_for(user)
    change = start(client, user, phone=NEW_PHONE).json()["change"]
    code = code_sent_to(NEW_PHONE, texts(capsys))
    ContactChange.objects.filter(pk=change).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(confirm(client, user, change, code), 409, "contact_change_expired")
    user.refresh_from_db()
    assert user.phone == OLD_PHONE


def test_a_code_lives_five_minutes(user, now):
    challenge = start_contact_change(user=user, password=PASSWORD, phone=NEW_PHONE, now=now)
    change = challenge.change
    with pytest.raises(ContactChangeExpired):
        confirm_contact_change(user=user, change_id=change.pk, code="123456", now=now + timedelta(minutes=5))
    with pytest.raises(WrongContactCode):  # still pending a moment before
        confirm_contact_change(user=user, change_id=change.pk, code="x", now=now + timedelta(minutes=4, seconds=59))


def test_a_used_code_is_409(client_for, user, capsys):
    client = client_for(user)
    change = start(client, user, email="second@example.com").json()["change"]
    code = code_sent_to(OLD_PHONE, texts(capsys))
    assert confirm(client, user, change, code).status_code == 200
    assert_error(confirm(client, user, change, code), 409, "contact_change_expired")


def test_someone_elses_change_is_404_and_someone_elses_path_403(client_for, user, capsys):
    change = start(client_for(user), user, phone=NEW_PHONE).json()["change"]
    code = code_sent_to(NEW_PHONE, texts(capsys))
    thief = UserFactory()
    thief_client = client_for(thief)
    assert_error(confirm(thief_client, thief, change, code), 404, "not_found")
    assert_error(confirm(thief_client, user, change, code), 403, "permission_denied")
    assert_error(start(thief_client, user, phone="+989350000009"), 403, "permission_denied")
    user.refresh_from_db()
    thief.refresh_from_db()
    assert user.phone == OLD_PHONE and thief.phone != NEW_PHONE


def test_an_admin_cannot_change_a_users_phone_either(client_for, user):
    from accounts.models import Role

    admin = UserFactory(role=Role.ADMIN)
    assert start(client_for(admin), user, phone=NEW_PHONE).status_code == 403


def test_a_new_start_replaces_the_pending_change(client_for, user, capsys):
    client = client_for(user)
    first = start(client, user, phone=NEW_PHONE).json()["change"]
    first_code = code_sent_to(NEW_PHONE, texts(capsys))
    second = start(client, user, phone="+989350000003").json()["change"]
    assert_error(confirm(client, user, first, first_code), 404, "not_found")
    assert str(ContactChange.objects.filter(user=user, confirmed_at__isnull=True).get().pk) == second


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "09121234567"}, "phone"),  # not E.164
        ({"phone": OLD_PHONE}, "phone"),  # already yours
        ({"email": "SARA@example.com"}, "email"),  # already yours, in another case
        ({"email": "not-an-email"}, "email"),
        ({"phone": NEW_PHONE, "email": "x@example.com"}, "non_field_errors"),  # one at a time
        ({}, "non_field_errors"),
        ({"phone": NEW_PHONE, "role": "admin"}, "role"),
    ],
)
def test_bad_new_values_are_400(client_for, user, capsys, body, field):
    assert_invalid(start(client_for(user), user, **body), field)
    assert texts(capsys) == []


def test_a_taken_phone_or_email_in_any_case_is_400_at_the_start(client_for, user, capsys):
    UserFactory(phone=NEW_PHONE, email="taken@example.com")
    client = client_for(user)
    assert_invalid(start(client, user, phone=NEW_PHONE), "phone")
    body = assert_invalid(start(client, user, email="TAKEN@example.com"), "email")
    assert body["errors"]["email"] == ["User with this Email address already exists."]
    assert texts(capsys) == []


def test_an_email_taken_in_any_case_between_start_and_confirm_is_a_clean_400(client_for, user, capsys):
    client = client_for(user)
    change = start(client, user, email="wanted@example.com").json()["change"]
    code = code_sent_to(OLD_PHONE, texts(capsys))
    UserFactory(email="Wanted@Example.com")
    body = assert_invalid(confirm(client, user, change, code), "email")
    assert body["errors"]["email"] == ["User with this Email address already exists."]
    user.refresh_from_db()
    assert user.email == "sara@example.com"


def test_codes_count_with_the_login_codes_R21(client_for, user, capsys):
    client = client_for(user)
    for number in range(5):
        assert start(client, user, phone=f"+98935000001{number}").status_code == 202
    assert_error(start(client, user, phone="+989350000020"), 429, "too_many_requests")


# --- Races (PostgreSQL) ---------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL")


@needs_postgresql
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_confirms_of_one_change_at_once_apply_it_once(user, capsys):
    from bookstore.tests.concurrency import run_together

    change = start_contact_change(user=user, password=PASSWORD, phone=NEW_PHONE).change
    code = code_sent_to(NEW_PHONE, texts(capsys))

    outcomes = run_together(
        [lambda: confirm_contact_change(user=User.objects.get(pk=user.pk), change_id=change.pk, code=code)] * 2
    )

    assert sorted(outcome.ok for outcome in outcomes) == [False, True]
    (refusal,) = [outcome.refusal for outcome in outcomes if not outcome.ok]
    assert isinstance(refusal, ContactChangeExpired)
    assert User.objects.get(pk=user.pk).phone == NEW_PHONE
    assert [to for to, _ in texts(capsys)] == [OLD_PHONE]  # the old phone told once
