"""Factories for users and their profiles."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Author, City, Customer, Role, Tier, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    phone = factory.Sequence(lambda n: f"+98912{n:07d}")
    role = Role.CUSTOMER
    password = factory.django.Password("correct horse battery staple")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"City {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer; pass tier='plus' or 'premium' for a subscription in force for 30 days."""

    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory, role=Role.CUSTOMER)
    tier = Tier.FREE
    subscription_ends_at = factory.LazyAttribute(
        lambda o: None if o.tier == Tier.FREE else timezone.now() + timedelta(days=30)
    )
    auto_renew = False
    balance = 0  # fund wallets through billing.services.credit_wallet so the ledger matches


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    user = factory.SubFactory(UserFactory, role=Role.AUTHOR)
    city = factory.SubFactory(CityFactory)
    bio = "Writes books."


def user_change_form(user, **changes) -> dict:
    """The admin site's user change form as a browser posts it unchanged, with `changes` made."""
    return {
        "username": user.username,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "_save": "Save",
        **changes,
    }
