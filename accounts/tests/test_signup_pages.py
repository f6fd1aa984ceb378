"""The signup pages: a customer or an author signs up, then logs in with the code; errors with 400 (R21, R23, R26)."""

import pytest
from django.test import Client

from accounts.models import Author, Role, Tier, User
from accounts.tests.conftest import NEW_PASSWORD, assert_page_basics, log_in_with_code, text_of
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- Signup -----------------------------------------------------------------------------


def test_signup_page_is_labelled_and_protected():
    response = Client(enforce_csrf_checks=True).get("/accounts/signup/")
    assert response.status_code == 200
    html = assert_page_basics(response)
    assert 'name="role"' in html and 'value="author"' in html


def test_signup_as_customer_then_login_with_the_sms_code_R21(client, capsys):
    """A newcomer signs up, logs in with password and the printed code, and lands on Free."""
    response = client.post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "neda",
            "email": "neda@example.com",
            "phone": "+98 912 555 0101",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?username=neda"
    user = User.objects.get(username="neda")
    assert user.role == Role.CUSTOMER and user.phone == "+989125550101"
    assert user.customer.tier == Tier.FREE and user.customer.balance == 0
    assert 'value="neda"' in client.get(response["Location"]).content.decode()  # the username is filled in

    log_in_with_code(client, capsys, "neda", NEW_PASSWORD, next_url="/wallet/")
    assert client.get("/wallet/").status_code == 200


def test_signup_as_author_creates_the_author_profile():
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "role": "author",
            "username": "hoda",
            "email": "hoda@example.com",
            "phone": "+989125550102",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="hoda")
    assert user.role == Role.AUTHOR and Author.objects.filter(user=user).exists()
    assert not hasattr(user, "customer")


def test_signup_shows_each_field_error_with_400_R26():
    UserFactory(username="taken", email="taken@example.com", phone="+989125550103")
    response = Client().post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "taken",
            "email": "fresh@example.com",
            "phone": "09125550104",
            "password": "123",
            "password_again": "123",
        },
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "A user with that username already exists." in text
    assert "Enter the phone number in E.164 form" in text
    assert "This password is too short" in text
    assert 'aria-invalid="true"' in response.content.decode()
    assert User.objects.filter(email="fresh@example.com").count() == 0


def test_signup_needs_the_same_password_twice():
    response = Client().post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": "mina",
            "email": "mina@example.com",
            "phone": "+989125550105",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD + "!",
        },
    )
    assert response.status_code == 400 and "The two passwords differ." in text_of(response)
    assert not User.objects.filter(username="mina").exists()


def test_signup_cannot_make_an_admin_R23():
    response = Client().post(
        "/accounts/signup/",
        {
            "role": "admin",
            "username": "sneaky",
            "email": "sneaky@example.com",
            "phone": "+989125550106",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="sneaky").exists()


def test_login_page_links_to_signup(client):
    html = assert_page_basics(client.get("/accounts/login/"))
    assert 'href="/accounts/signup/"' in html
