"""R27: no writer undoes what a service did under its lock — the admin site and profile edits included.

These walk every model field declared service-owned and prove that a full save of a
copy read before the service wrote cannot write it back; test_integrity_races.py races
the real writers (the admin site, profile edits) against the services on PostgreSQL.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Customer, Tier, User
from accounts.tests.factories import CustomerFactory, UserFactory
from catalog.models import Book
from catalog.tests.factories import BookFactory
from core.owned_fields import models_with_owned_fields

NOW = timezone.now()

# What the owning service writes meanwhile, for each service-owned field: a value the
# database's constraints accept on the rows made below (book: 2 units, none on loan, one review of 4;
# customer: Plus for 30 days; user: a customer with a password).
SERVICE_WRITES: dict[tuple[type, str], Callable[[], object]] = {
    (Book, "units"): lambda: 5,
    (Book, "units_on_loan"): lambda: 1,
    (Book, "stock"): lambda: 4,  # a checkout (R35) or another editor, under the book's lock (R34)
    (Book, "search_document"): lambda: "rebuilt by the catalog",
    (Book, "search_vector"): lambda: "'rebuilt':1",  # PostgreSQL's trigger writes it with the document
    (Book, "withdrawn_at"): lambda: NOW,
    (Book, "cover"): lambda: "covers/1/a-new-cover.png",  # catalog.cover_services
    (Book, "rating_count"): lambda: 2,  # a review written (R37), under the book's lock
    (Book, "rating_sum"): lambda: 5,  # a rating changed (R37)
    (Customer, "balance"): lambda: 7_000,
    (Customer, "tier"): lambda: Tier.PREMIUM,
    (Customer, "subscription_ends_at"): lambda: NOW + timedelta(days=90),
    (User, "password"): lambda: make_password("a new password"),
    (User, "tokens_revoked_at"): lambda: NOW,
    (User, "is_active"): lambda: False,
}

MAKERS: dict[type, Callable[[], object]] = {
    Book: lambda: BookFactory(units=2, rating_count=1, rating_sum=4),
    Customer: lambda: CustomerFactory(tier=Tier.PLUS),
    User: lambda: UserFactory(),
}


def test_every_service_owned_field_is_covered_below_R27():
    declared = {(model, name) for model in models_with_owned_fields() for name in model.service_owned_fields}
    assert declared == set(SERVICE_WRITES), "add the new service-owned field to SERVICE_WRITES"


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "field"), list(SERVICE_WRITES), ids=lambda key: getattr(key, "__name__", key))
def test_a_stale_full_save_cannot_write_a_service_owned_field_R27(model, field):
    row = MAKERS[model]()
    stale = model.objects.get(pk=row.pk)  # an admin form or a profile edit reads the row
    written = SERVICE_WRITES[(model, field)]()
    model.objects.filter(pk=row.pk).update(**{field: written})  # the service, under its lock

    stale.save()

    assert getattr(model.objects.get(pk=row.pk), field) == written


@pytest.mark.django_db
def test_a_full_save_still_writes_the_other_fields_and_named_owned_ones_R27():
    user = UserFactory(first_name="Old")
    user.first_name = "New"
    user.save()
    user.set_password("another long password")  # Django's password forms save in full
    user.save()
    user.tokens_revoked_at = NOW
    user.save(update_fields=["tokens_revoked_at"])  # the owner names the field it writes

    fresh = User.objects.get(pk=user.pk)
    assert (fresh.first_name, fresh.tokens_revoked_at) == ("New", NOW)
    assert fresh.check_password("another long password")
