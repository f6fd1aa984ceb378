"""The admin's date columns read as the site's dates: Jalali in Persian, ISO-like in English (R40)."""

import re
from datetime import datetime

import pytest
from django.utils import timezone, translation

from accounts.models import Role
from accounts.tests.conftest import text_of
from accounts.tests.factories import UserFactory
from billing.models import WalletTransaction
from core.formatting import local_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def test_the_ledger_changelist_shows_jalali_times_in_persian_and_iso_in_english(admin_client, make_customer):
    customer = make_customer(balance=5_000)
    entry = WalletTransaction.objects.get(customer=customer)
    english = text_of(admin_client.get("/admin/billing/wallettransaction/", HTTP_ACCEPT_LANGUAGE="en"))
    assert timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M") in english
    assert not re.search(r"[A-Z][a-z]{2}\. \d+, \d{4}", english)  # no "Dec. 2, 2026"
    persian = text_of(admin_client.get("/admin/billing/wallettransaction/", HTTP_ACCEPT_LANGUAGE="fa"))
    with translation.override("fa"):
        jalali = local_time(entry.created_at)
    assert jalali.startswith("۱۴") and jalali in persian


def test_a_date_column_still_sorts_by_its_field(admin_client, make_customer):
    older, newer = make_customer(balance=1_000), make_customer(balance=2_000)
    WalletTransaction.objects.filter(customer=older).update(created_at=timezone.make_aware(datetime(2026, 1, 1)))
    WalletTransaction.objects.filter(customer=newer).update(created_at=timezone.make_aware(datetime(2026, 6, 1)))
    # ?o=1: the first column (created_at), ascending.
    text = text_of(admin_client.get("/admin/billing/wallettransaction/?o=1", HTTP_ACCEPT_LANGUAGE="en"))
    assert text.index("2026-01-01") < text.index("2026-06-01")
    descending = text_of(admin_client.get("/admin/billing/wallettransaction/?o=-1", HTTP_ACCEPT_LANGUAGE="en"))
    assert descending.index("2026-06-01") < descending.index("2026-01-01")


def test_an_empty_date_shows_the_admins_dash(admin_client, make_book):
    make_book(title="Never withdrawn")
    text = text_of(admin_client.get("/admin/catalog/book/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Never withdrawn" in text and " - " in text
