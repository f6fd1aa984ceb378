"""Renewing a loan on my reservations in a real browser (R29, R32), with and without JavaScript."""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from accounts.models import Notification, Tier
from billing.models import TransactionKind, WalletTransaction
from catalog.tests.factories import BookFactory
from reservations.services import reserve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_renews_a_loan_twice_then_sees_the_limit_R29(page, live_server, log_in, make_customer):
    customer = make_customer(tier=Tier.PLUS, balance=20_000, user__username="parvin")
    loan = reserve(customer=customer, book=BookFactory(title="Suvashun", units=1), days=3)
    log_in(page, "parvin")

    page.goto(f"{live_server.url}/reservations/")
    row = page.get_by_role("row", name=re.compile("Suvashun"))
    expect(row).to_contain_text("Not renewed yet, 2 renewals left")
    row.get_by_label(re.compile("Renew for")).select_option(label="4 days · 4,000 toman")
    row.get_by_role("button", name=re.compile("Renew")).click()

    expect(page.locator("ul.messages")).to_contain_text("“Suvashun” is renewed: it is yours until")
    assert urlparse(page.url).path == "/reservations/"
    loan.refresh_from_db()
    assert (loan.days, loan.price, loan.renewals) == (7, 7_000, 1)
    expect(row).to_contain_text("Renewed 1 time, 1 renewal left")
    assert Notification.objects.filter(user=customer.user, kind=Notification.Kind.RENEWED).count() == 1
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.RESERVATION).count() == 2

    row.get_by_label(re.compile("Renew for")).select_option("1")
    row.get_by_role("button", name=re.compile("Renew")).click()
    expect(page.locator("ul.messages")).to_contain_text("is renewed")
    expect(row).to_contain_text("Renewed 2 times")
    expect(row).to_contain_text("the most a loan allows")
    expect(row.get_by_role("button", name=re.compile("Renew"))).to_have_count(0)
    loan.refresh_from_db()
    assert (loan.days, loan.renewals) == (8, 2)


def test_renewing_works_without_javascript_and_a_waiting_reader_stops_it_R29(
    no_js_page, live_server, log_in, make_customer
):
    page = no_js_page
    customer = make_customer(tier=Tier.PREMIUM, balance=50_000, user__username="simin")
    book = BookFactory(title="Kelidar", units=1)
    loan = reserve(customer=customer, book=book, days=5)
    log_in(page, "simin")

    page.goto(f"{live_server.url}/reservations/")
    row = page.get_by_role("row", name=re.compile("Kelidar"))
    row.get_by_label(re.compile("Renew for")).select_option("14")  # Premium: up to 14 days
    row.get_by_role("button", name=re.compile("Renew")).click()
    expect(page.locator("ul.messages")).to_contain_text("“Kelidar” is renewed")
    loan.refresh_from_db()
    assert (loan.days, loan.renewals) == (19, 1)

    reserve(customer=make_customer(tier=Tier.PLUS, balance=10_000), book=book, days=2)
    page.reload()
    row = page.get_by_role("row", name=re.compile("Kelidar"))
    expect(row).to_contain_text("Someone is waiting for this book, so the loan cannot be renewed.")
    expect(row.get_by_role("button", name=re.compile("Renew"))).to_have_count(0)
