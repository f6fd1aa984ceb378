"""Identities (issue 14, item 5): usernames and e-mails unique in any case, NFKC, one script.

The attack: ``DEMO_PLUS`` and ``rооt`` (a Cyrillic ``о``) signed up beside ``demo_plus``
and ``root``, and ``ROOT@example.com`` beside ``root@example.com``. Each refusal below is
checked over the API, the signup page, and where it matters the admin site, createsuperuser
and the database itself.
"""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client

from accounts.models import Role, User
from accounts.services import register_user
from accounts.tests.factories import UserFactory, user_change_form
from accounts.validators import validate_one_script
from bookstore.tests.api_assertions import assert_error, assert_invalid

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a long and unusual pass phrase 42"
CODE = re.compile(r"^SMS to (\+\d+): Your Bookstore code is (\d{6})\.", re.MULTILINE)


def api_signup(api_client, username: str, email: str = "new@example.com", phone: str = "+989125550000"):
    body = {"username": username, "email": email, "phone": phone, "password": NEW_PASSWORD}
    return api_client.post("/api/v1/auth/signup/", body, format="json")


def page_signup(username: str, email: str = "new@example.com", phone: str = "+989125550000"):
    return Client().post(
        "/accounts/signup/",
        {
            "role": "customer",
            "username": username,
            "email": email,
            "phone": phone,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )


def text_of(response) -> str:
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.replace("&#x27;", "'").replace("&quot;", '"').split())


# --- Unique in any case -------------------------------------------------------------------


@pytest.mark.parametrize("username", ["DEMO_PLUS", "Demo_Plus", "ｄｅｍｏ_ｐｌｕｓ"])
def test_a_username_taken_in_another_case_or_form_is_400_on_signup(api_client, username):
    UserFactory(username="demo_plus")
    body = assert_invalid(api_signup(api_client, username), "username")
    assert body["errors"]["username"] == ["A user with that username already exists."]
    assert User.objects.count() == 1


def test_an_email_taken_in_another_case_is_400_on_signup(api_client):
    UserFactory(username="root", email="root@example.com")
    body = assert_invalid(api_signup(api_client, "root2", email="ROOT@example.com"), "email")
    assert body["errors"]["email"] == ["User with this Email address already exists."]
    assert User.objects.count() == 1


def test_the_signup_page_shows_case_variants_as_taken_on_their_fields():
    UserFactory(username="demo_plus", email="demo@example.com")
    response = page_signup("DEMO_PLUS", email="Demo@EXAMPLE.com")
    assert response.status_code == 400
    text = text_of(response)
    assert "A user with that username already exists." in text
    assert "User with this Email address already exists." in text
    assert User.objects.count() == 1


def test_the_database_refuses_a_username_in_another_case():
    UserFactory(username="root")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ROOT", email="other@example.com", phone="+989125550001")


def test_the_database_refuses_an_email_in_another_case():
    UserFactory(username="root", email="root@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email="Root@Example.COM", phone="+989125550001")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's lower() folds ASCII letters only")
def test_the_database_folds_case_beyond_ascii_on_postgresql():
    UserFactory(username="σοφία")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ΣΟΦΊΑ", email="sofia2@example.com", phone="+989125550001")


def test_an_edit_to_a_case_variant_of_another_name_is_refused_on_the_field():
    UserFactory(username="root", email="root@example.com")
    user = UserFactory(username="mallory", email="mallory@example.com")
    user.username, user.email = "Root", "ROOT@example.com"
    with pytest.raises(Exception) as refused:
        user.full_clean()
    assert set(refused.value.message_dict) == {"username", "email"}


def test_a_user_keeps_their_own_name_and_email_in_a_new_case():
    user = UserFactory(username="sara", email="sara@example.com")
    user.username, user.email = "Sara", "Sara@example.com"
    user.full_clean()  # no clash with itself


# --- NFKC ---------------------------------------------------------------------------------


def test_a_fullwidth_username_is_stored_nfkc_normalised(api_client):
    response = api_signup(api_client, "ｒｏｏｔ")
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == "root"
    assert User.objects.get().username == "root"


def test_a_fullwidth_username_collides_with_its_ascii_twin(api_client):
    UserFactory(username="root")
    assert_invalid(api_signup(api_client, "ｒｏｏｔ"), "username")
    assert page_signup("ＲＯＯＴ").status_code == 400


def test_an_email_is_nfkc_normalised_with_its_domain_lowercased(api_client):
    response = api_signup(api_client, "sara", email="Sara@ＥＸＡＭＰＬＥ.com")
    assert response.status_code == 201, response.json()
    assert User.objects.get().email == "Sara@example.com"  # the part before the @ stays as typed
    assert_invalid(api_signup(api_client, "sara2", email="sara@example.com", phone="+989125550009"), "email")


# --- One script ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    [
        "rооt",  # Cyrillic о
        "аdmin",  # Cyrillic а
        "pαypal",  # Greek α
        "Ωmega",  # Greek Ω with Latin
        "user۱",  # Persian digit one with Latin letters: looks like user1
        "کاربر۱١",  # Persian and Arabic-Indic digits in one name
    ],
)
def test_a_username_mixing_scripts_is_refused_with_a_clear_error(api_client, username):
    body = assert_invalid(api_signup(api_client, username), "username")
    assert "one script" in body["errors"]["username"][0] or "one kind of digits" in body["errors"]["username"][0]
    assert not User.objects.exists()


def test_the_signup_page_refuses_a_mixed_script_username_on_the_field():
    response = page_signup("rооt")
    assert response.status_code == 400
    assert "Write the username in one script: it mixes Cyrillic and Latin characters" in text_of(response)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "username",
    [
        "root",
        "user_42",
        "Αλέξανδρος",  # Greek
        "Дмитрий_7",  # Cyrillic with ASCII digits
        "کاربر",  # Persian
        "کاربر_۱۳۷۰",  # Persian with Persian digits
        "علی2026",  # Persian with ASCII digits
        "山田たろう",  # Han with Hiragana (Japanese)
        "김철수",  # Hangul
    ],
)
def test_a_username_in_one_script_is_welcome(api_client, username):
    response = api_signup(api_client, username)
    assert response.status_code == 201, response.json()
    assert User.objects.get().username == username


def test_the_script_check_reads_the_normalised_name():
    validate_one_script("ｒｏｏｔ")  # fullwidth Latin is Latin
    with pytest.raises(Exception, match="mixes"):
        validate_one_script("ｒоｏｔ")


# --- Login in any case --------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["demo_plus", "Demo_Plus", "DEMO_PLUS", "ｄｅｍｏ_ｐｌｕｓ"])
def test_login_over_the_api_accepts_the_name_in_any_case(api_client, capfd, typed):
    user = UserFactory(username="demo_plus", phone="+989121112233")
    response = api_client.post("/api/v1/auth/login/", {"username": typed, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.json()
    (phone, code), *_ = CODE.findall(capfd.readouterr().out)
    assert phone == "+989121112233"
    verify = api_client.post(
        "/api/v1/auth/verify-otp/", {"challenge": response.json()["challenge"], "code": code}, format="json"
    )
    assert verify.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {verify.json()['access']}")
    assert api_client.get("/api/v1/me/").json()["id"] == user.pk


def test_login_on_the_page_accepts_the_name_in_any_case(client, capfd):
    user = UserFactory(username="demo_plus")
    response = client.post("/accounts/login/", {"username": "Demo_Plus", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    (_, code), *_ = CODE.findall(capfd.readouterr().out)
    response = client.post("/accounts/login/code/", {"code": code})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").wsgi_request.user == user


def test_a_wrong_name_and_a_wrong_password_still_answer_alike_R21(api_client, capfd):
    UserFactory(username="demo_plus")
    wrong_password = api_client.post(
        "/api/v1/auth/login/", {"username": "DEMO_PLUS", "password": "nope"}, format="json"
    )
    wrong_name = api_client.post("/api/v1/auth/login/", {"username": "demo_pluss", "password": "nope"}, format="json")
    assert_error(wrong_password, 401, "invalid_credentials")
    assert wrong_password.json() == wrong_name.json()
    assert CODE.findall(capfd.readouterr().out) == []


# --- Every way in -------------------------------------------------------------------------


def test_register_user_refuses_case_variants_and_mixed_scripts():
    from django.core.exceptions import ValidationError

    register_user(username="root", email="root@example.com", phone="+989125550001", password=NEW_PASSWORD)
    for username, email in [("ROOT", "x@example.com"), ("rооt", "y@example.com"), ("other", "ROOT@EXAMPLE.COM")]:
        with pytest.raises(ValidationError):
            register_user(username=username, email=email, phone="+989125550002", password=NEW_PASSWORD)
    assert User.objects.count() == 1


def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def test_the_admin_add_form_refuses_case_variants_and_mixed_scripts():
    UserFactory(username="root", email="root@example.com")
    admin = admin_client()
    for username, email in [("ROOT", "new1@example.com"), ("rооt", "new2@example.com"), ("fresh", "Root@example.com")]:
        response = admin.post(
            "/admin/accounts/user/add/",
            {
                "username": username,
                "email": email,
                "phone": "+989125550003",
                "role": Role.CUSTOMER,
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "usable_password": "true",
            },
        )
        assert response.status_code == 200, (username, response.status_code)  # the form again, with its error
        assert response.context["adminform"].form.errors, username
    assert not User.objects.filter(phone="+989125550003").exists()


def test_the_admin_change_form_refuses_a_case_variant_of_another_name():
    UserFactory(username="root")
    user = UserFactory(username="mallory")
    response = admin_client().post(f"/admin/accounts/user/{user.pk}/change/", user_change_form(user, username="Root"))
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.username == "mallory"


def test_createsuperuser_refuses_a_taken_name_in_another_case(monkeypatch):
    UserFactory(username="boss", email="boss@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "second@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PHONE", "+989129999999")
    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", "--noinput", "--username", "BOSS", verbosity=0)
    with pytest.raises(CommandError, match="one script"):
        call_command("createsuperuser", "--noinput", "--username", "bоss2", verbosity=0)
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "BOSS@example.com")
    with pytest.raises(CommandError, match="Email address already exists"):
        call_command("createsuperuser", "--noinput", "--username", "boss3", verbosity=0)
    assert User.objects.count() == 1


def test_createsuperuser_stores_a_fullwidth_name_normalised(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "chief@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PHONE", "+989129999998")
    call_command("createsuperuser", "--noinput", "--username", "ｃｈｉｅｆ", verbosity=0)
    assert User.objects.get().username == "chief"
