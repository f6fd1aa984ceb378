"""Signup over the API: a customer or an author with a profile, never an admin; bad input is a 4xx (R22, R26)."""

import pytest

from accounts.models import Role, User
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# --- Signup -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AUTHOR])
def test_signup_creates_user_with_profile(api_client, role):
    body = {"username": "nima", "email": "nima@example.com", "phone": "+989121234567", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", {**body, "role": role}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["username"] == "nima" and data["role"] == role
    assert "password" not in data
    profile = data["customer"] if role == Role.CUSTOMER else data["author"]
    assert profile["id"]
    if role == Role.CUSTOMER:
        assert data["customer"]["tier"] == "free" and data["customer"]["balance"] == 0
    assert User.objects.get(username="nima").check_password(PASSWORD)


def test_signup_cannot_make_an_admin(api_client):
    body = {"username": "x", "email": "x@example.com", "phone": "+989121234567", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", {**body, "role": "admin"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "role" in response.json()["errors"]
    assert not User.objects.filter(username="x").exists()


def test_signup_duplicates_give_field_errors(api_client):
    UserFactory(username="taken", email="taken@example.com", phone="+989120000000")
    body = {"username": "taken", "email": "taken@example.com", "phone": "+989120000000", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", body, format="json")
    assert response.status_code == 400
    assert {"username", "email", "phone"} <= set(response.json()["errors"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "09121234567"),
        ("email", "not-an-email"),
        ("password", "12345678"),
        ("password", "nima"),
        ("username", "x" * 10_000),
        ("username", "spaces are not allowed"),
    ],
)
def test_signup_validates_each_field(api_client, field, value):
    body = {"username": "nima", "email": "nima@example.com", "phone": "+989121234567", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/signup/", {**body, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ('{"username": 5, "email": [], "phone": {}, "password": null}', "application/json"),
        (
            '{"username": "a", "email": "a@example.com", "phone": "+989121234567", "password": "x", "is_staff": true}',
            "application/json",
        ),
        ("username=a", "application/x-www-form-urlencoded"),
    ],
)
def test_bad_signup_input_is_a_400_or_415_with_a_code_never_500(api_client, payload, content_type):
    response = api_client.generic("POST", "/api/v1/auth/signup/", payload, content_type=content_type)
    assert response.status_code in (400, 415)
    assert set(response.json()) >= {"detail", "code"}
