"""Users, customers and authors over the API: own data only, never roles or money (R22, R23)."""

import pytest

from accounts.models import Role, Tier, User
from accounts.tests.factories import AuthorFactory, CityFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_me_shows_the_customer_profile_with_tier_in_force(client_for, make_customer, now):
    customer = make_customer(Tier.PLUS, balance=5_000)
    data = client_for(customer.user).get("/api/v1/me/").json()
    assert data["id"] == customer.user.pk and data["role"] == "customer"
    assert data["customer"] == {
        "id": customer.pk,
        "tier": "plus",
        "subscription_ends_at": data["customer"]["subscription_ends_at"],
        "auto_renew": False,
        "balance": 5_000,
    }
    assert "author" not in data


def test_me_shows_free_once_the_subscription_ended_R5(client_for, make_customer):
    from datetime import timedelta

    customer = make_customer(Tier.PREMIUM, ends_in=timedelta(seconds=-1))
    assert client_for(customer.user).get("/api/v1/me/").json()["customer"]["tier"] == "free"


def test_me_shows_the_author_profile_with_bank_account(client_for):
    author = AuthorFactory(bank_account_number="IR062960000000100324200001")
    data = client_for(author.user).get("/api/v1/me/").json()
    assert data["author"]["bank_account_number"] == "IR062960000000100324200001"
    assert "customer" not in data


def test_user_edits_own_names(client_for):
    user = UserFactory()
    response = client_for(user).patch(
        f"/api/v1/users/{user.pk}/", {"first_name": "Sara", "last_name": "Karimi"}, format="json"
    )
    assert response.status_code == 200 and response.json()["first_name"] == "Sara"
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Sara", "Karimi")


@pytest.mark.parametrize("body", [{"email": "new@example.com"}, {"phone": "+989351234567", "first_name": "Sara"}])
def test_phone_and_email_never_change_through_a_profile_edit_issue_14(client_for, body):
    """They need the password and a code: accounts/tests/test_contact_change.py."""
    user = UserFactory()
    response = client_for(user).patch(f"/api/v1/users/{user.pk}/", body, format="json")
    assert response.status_code == 400
    (field,) = {"email", "phone"} & set(body)
    assert "contact-change/" in response.json()["errors"][field][0]
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.email, fresh.phone, fresh.first_name) == (user.email, user.phone, user.first_name)


@pytest.mark.parametrize(
    "body",
    [{"role": "admin"}, {"is_staff": True}, {"username": "renamed"}, {"password": "x"}, {"tokens_revoked_at": None}],
)
def test_role_and_privileges_never_change_through_a_profile_edit_R23(client_for, body):
    user = UserFactory()
    response = client_for(user).patch(f"/api/v1/users/{user.pk}/", body, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == list(body)
    user.refresh_from_db()
    assert user.role == Role.CUSTOMER and not user.is_staff and user.username != "renamed"


def test_duplicate_email_on_a_contact_change_is_400(client_for):
    UserFactory(email="taken@example.com")
    user = UserFactory()
    response = client_for(user).post(
        f"/api/v1/users/{user.pk}/contact-change/",
        {"email": "taken@example.com", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 400 and "email" in response.json()["errors"]


def test_nobody_edits_another_user_not_even_an_admin_R23(client_for):
    target = UserFactory()
    for actor in (UserFactory(), UserFactory(role=Role.ADMIN)):
        response = client_for(actor).patch(f"/api/v1/users/{target.pk}/", {"first_name": "X"}, format="json")
        assert response.status_code == 403
    target.refresh_from_db()
    assert target.first_name != "X"


@pytest.mark.parametrize("body", [{"tier": "premium"}, {"balance": 10**9}, {"subscription_ends_at": None}])
def test_tier_and_wallet_never_change_through_the_customer_profile_R23(client_for, body, make_customer):
    customer = make_customer(Tier.PLUS, balance=1_000)
    response = client_for(customer.user).patch(f"/api/v1/customers/{customer.pk}/", body, format="json")
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.tier == Tier.PLUS and customer.balance == 1_000


def test_customer_turns_auto_renew_on(client_for):
    customer = CustomerFactory()
    response = client_for(customer.user).patch(f"/api/v1/customers/{customer.pk}/", {"auto_renew": True}, format="json")
    assert response.status_code == 200 and response.json()["auto_renew"] is True
    customer.refresh_from_db()
    assert customer.auto_renew


def test_authors_are_public_without_bank_accounts(api_client):
    author = AuthorFactory(bank_account_number="IR062960000000100324200001")
    listed = api_client.get("/api/v1/authors/")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    one = api_client.get(f"/api/v1/authors/{author.pk}/").json()
    assert one["username"] == author.user.username
    assert "bank_account_number" not in one and "bank_account_number" not in listed.json()["results"][0]


def test_author_edits_own_profile_only(client_for):
    author, other = AuthorFactory(), AuthorFactory()
    city = CityFactory(name="Shiraz")
    mine = client_for(author.user).patch(
        f"/api/v1/authors/{author.pk}/", {"city": city.pk, "bio": "Poet."}, format="json"
    )
    assert mine.status_code == 200 and mine.json()["city"] == city.pk and mine.json()["bio"] == "Poet."
    theirs = client_for(author.user).patch(f"/api/v1/authors/{other.pk}/", {"bio": "Hacked"}, format="json")
    assert theirs.status_code == 403
    other.refresh_from_db()
    assert other.bio != "Hacked"


@pytest.mark.parametrize(
    "body", [{"bank_account_number": "not valid!"}, {"city": 999999}, {"goodreads_link": "javascript:alert(1)"}]
)
def test_bad_author_fields_are_400(client_for, body):
    author = AuthorFactory()
    response = client_for(author.user).patch(f"/api/v1/authors/{author.pk}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(body)


def test_closing_an_account_deactivates_it_and_keeps_the_ledger(client_for, make_customer):
    from billing.models import WalletTransaction

    customer = make_customer(Tier.PLUS, balance=3_000)
    client = client_for(customer.user)
    assert client.delete(f"/api/v1/users/{customer.user.pk}/").status_code == 204
    customer.user.refresh_from_db()
    assert not customer.user.is_active
    assert WalletTransaction.objects.filter(customer=customer).count() == 1
    assert client.get("/api/v1/me/").status_code == 401


def test_closing_an_account_with_a_live_reservation_is_409(client_for, make_customer, make_book):
    from reservations.services import reserve

    customer = make_customer(Tier.PLUS, balance=10_000)
    reserve(customer=customer, book=make_book(), days=2)
    response = client_for(customer.user).delete(f"/api/v1/users/{customer.user.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "has_live_reservations"


def test_admin_lists_users_and_customers_paginated(client_for):
    admin = UserFactory(role=Role.ADMIN)
    CustomerFactory.create_batch(3)
    users = client_for(admin).get("/api/v1/users/?page_size=2").json()
    assert users["count"] == 4 and len(users["results"]) == 2 and users["next"]
    customers = client_for(admin).get("/api/v1/customers/").json()
    assert customers["count"] == 3


def test_page_size_is_capped_at_100(client_for):
    admin = UserFactory(role=Role.ADMIN)
    UserFactory.create_batch(105)
    data = client_for(admin).get("/api/v1/users/?page_size=500").json()
    assert data["count"] == 106 and len(data["results"]) == 100


def test_page_out_of_range_is_404_with_a_code(client_for):
    response = client_for(UserFactory(role=Role.ADMIN)).get("/api/v1/users/?page=99")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
