"""R39: the channels a user is notified by, chosen with `PATCH me/` and on the profile page."""

import pytest

from accounts.models import Tier, User
from accounts.tests.conftest import assert_page_basics, text_of

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def flags(user: User) -> tuple[bool, bool]:
    user.refresh_from_db()
    return user.notify_by_sms, user.notify_by_email


# --- PATCH me/ ----------------------------------------------------------------------------


def test_me_shows_notify_by_defaulting_to_sms_R39(client_for, make_customer):
    user = make_customer(Tier.PLUS).user
    assert client_for(user).get(ME).json()["notify_by"] == ["sms"]


@pytest.mark.parametrize(
    ("chosen", "stored", "expected"),
    [
        (["email"], (False, True), ["email"]),
        (["sms", "email"], (True, True), ["sms", "email"]),
        (["email", "sms"], (True, True), ["sms", "email"]),  # any order; answered in one order
        (["sms"], (True, False), ["sms"]),
    ],
)
def test_patch_me_sets_notify_by_R39(client_for, make_customer, chosen, stored, expected):
    user = make_customer(Tier.PLUS).user
    client = client_for(user)
    response = client.patch(ME, {"notify_by": chosen}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["notify_by"] == expected
    assert flags(user) == stored
    assert client.get(ME).json()["notify_by"] == expected


def test_patch_me_sets_notify_by_with_names_and_language_together_R39(client_for, make_customer):
    user = make_customer(Tier.PLUS).user
    response = client_for(user).patch(
        ME, {"notify_by": ["email"], "first_name": "Sara", "language": "fa"}, format="json"
    )
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert (user.notify_by, user.first_name, user.language) == (["email"], "Sara", "fa")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ([], "This list may not be empty."),
        (["fax"], "Unknown channel: fax. Choose from sms, email."),
        (["sms", "fax", "pigeon"], "Unknown channel: fax, pigeon."),
        (["email", "email"], "Name each channel once."),
        ("email", "Expected a list of items"),
        ({"email": True}, "Expected a list of items"),
        (None, "This field may not be null."),
        ([None], "Unknown channel: None."),
        ([["sms"]], "Unknown channel: ['sms']."),
        ([1], "Unknown channel: 1."),
    ],
)
def test_patch_me_refuses_a_bad_notify_by_with_400_and_changes_nothing_R39(client_for, make_customer, value, says):
    user = make_customer(Tier.PLUS).user
    User.objects.filter(pk=user.pk).update(notify_by_email=True)
    response = client_for(user).patch(ME, {"notify_by": value, "first_name": "Changed"}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["notify_by"]
    assert isinstance(body["errors"]["notify_by"], list)  # on the field, not per item
    assert says in str(body["errors"]["notify_by"])
    user.refresh_from_db()
    assert (user.notify_by, user.first_name) == (["sms", "email"], "")


def test_patch_notify_by_needs_login_R39(api_client):
    assert api_client.patch(ME, {"notify_by": ["email"]}, format="json").status_code == 401


def test_patch_users_id_takes_notify_by_too_only_for_oneself_R39(client_for, make_customer):
    me, other = make_customer(Tier.PLUS).user, make_customer(Tier.PLUS).user
    client = client_for(me)
    assert client.patch(f"/api/v1/users/{me.pk}/", {"notify_by": ["email"]}, format="json").status_code == 200
    assert client.patch(f"/api/v1/users/{other.pk}/", {"notify_by": ["email"]}, format="json").status_code == 403
    assert (flags(me), flags(other)) == ((False, True), (True, False))


def test_refusal_of_an_empty_notify_by_speaks_persian_R39_R40(client_for, make_customer):
    user = make_customer(Tier.PLUS).user
    response = client_for(user).patch(ME, {"notify_by": ["sms", "sms"]}, format="json", HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 400
    assert response.json()["errors"]["notify_by"] == ["هر راه را فقط یک بار بیاورید."]


# --- The profile page ---------------------------------------------------------------------


def profile_post(user: User, **changes) -> dict:
    return {"first_name": user.first_name, "last_name": user.last_name, **changes}


def test_profile_has_labelled_checkboxes_for_the_channels_R39(client, make_customer):
    user = make_customer(Tier.PLUS).user
    client.force_login(user)
    html = assert_page_basics(client.get("/accounts/profile/"))
    assert "<legend>Notify me by</legend>" in html
    assert 'type="checkbox" name="notify_by" value="sms"' in html and 'value="email"' in html
    assert 'value="sms" id="id_notify_by_0" checked' in html
    assert 'value="email" id="id_notify_by_1" checked' not in html
    assert '<label for="id_notify_by_1">' in html


@pytest.mark.parametrize(
    ("checked", "stored"),
    [(["email"], (False, True)), (["sms", "email"], (True, True)), (["sms"], (True, False))],
)
def test_profile_form_sets_the_channels_R39(client, make_customer, checked, stored):
    user = make_customer(Tier.PLUS).user
    client.force_login(user)
    response = client.post("/accounts/profile/", profile_post(user, notify_by=checked))
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert flags(user) == stored
    page = client.get("/accounts/profile/").content.decode()
    for index, channel in enumerate(["sms", "email"]):
        assert (f'value="{channel}" id="id_notify_by_{index}" checked' in page) is (channel in checked)


def test_profile_form_with_no_channel_checked_is_an_error_and_loses_nothing_R39(client, make_customer):
    user = make_customer(Tier.PLUS).user
    User.objects.filter(pk=user.pk).update(notify_by_email=True)
    client.force_login(user)
    response = client.post("/accounts/profile/", profile_post(user, first_name="Typed", auto_renew="on"))
    assert response.status_code == 400
    assert "Choose at least one way to be notified." in text_of(response)
    html = response.content.decode()
    assert 'value="Typed"' in html  # what was typed is still in the form
    assert 'id="id_auto_renew" checked' in html
    user.refresh_from_db()
    user.customer.refresh_from_db()
    assert (user.notify_by, user.first_name, user.customer.auto_renew) == (["sms", "email"], "", False)


def test_profile_form_refuses_an_unknown_channel_R39(client, make_customer):
    user = make_customer(Tier.PLUS).user
    client.force_login(user)
    response = client.post("/accounts/profile/", profile_post(user, notify_by=["sms", "pigeon"]))
    assert response.status_code == 400
    assert "Select a valid choice. pigeon is not one of the available choices." in text_of(response)
    assert flags(user) == (True, False)


def test_profile_channels_in_persian_R39_R40(client, make_customer):
    user = make_customer(Tier.PLUS).user
    client.force_login(user)
    html = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "اعلان‌ها را برایم بفرست با" in html and "پیامک" in html and "ایمیل" in html
    response = client.post("/accounts/profile/", profile_post(user), HTTP_ACCEPT_LANGUAGE="fa")
    assert "دست‌کم یک راه برای دریافت اعلان‌ها انتخاب کنید." in text_of(response)


def test_set_notify_by_refuses_what_the_constraint_would_R39(make_customer):
    from django.core.exceptions import ValidationError

    from accounts.channels import set_notify_by

    user = make_customer(Tier.PLUS).user
    for bad in ([], ["sms", "sms"], ["telegram"]):
        with pytest.raises(ValidationError) as refused:
            set_notify_by(user=user, channels=bad)
        assert list(refused.value.message_dict) == ["notify_by"]
    assert flags(user) == (True, False)
