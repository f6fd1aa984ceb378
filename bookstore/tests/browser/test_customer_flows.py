"""A customer's flows in a real browser: signup to return (R17, R18, R8, R15), and R11."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from accounts.models import Customer, Tier
from billing.models import TransactionKind, WalletTransaction
from bookstore.tests.browser.conftest import PASSWORD
from catalog.tests.factories import BookFactory
from reservations.models import Reservation, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_signs_up_charges_buys_plus_reserves_and_returns(page, live_server, log_in, assert_wallet_consistent):
    """The whole customer journey through the pages alone; the database agrees at each step."""
    book = BookFactory(title="The Blind Owl", units=2)

    # Signup (a reader is the default role), then the two login steps.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("nasrin")
    page.get_by_label("Email address").fill("nasrin@example.com")
    page.get_by_label("Phone").fill("+98 912 555 0101")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("ul.messages")).to_contain_text("Your account is ready")
    assert page.get_by_label("Username").input_value() == "nasrin"
    customer = Customer.objects.get(user__username="nasrin")
    assert customer.user.phone == "+989125550101"
    assert customer.tier == Tier.FREE and customer.balance == 0

    log_in(page, "nasrin")
    expect(page.locator("header")).to_contain_text("nasrin")

    # Charge the wallet.
    page.get_by_role("link", name="Wallet", exact=True).click()
    page.get_by_label("Amount (toman)").fill("100000")
    page.get_by_role("button", name="Pay and charge").click()
    expect(page.locator("ul.messages")).to_contain_text("Charged 100,000 toman. Your balance is 100,000 toman.")
    expect(page.locator("#balance")).to_have_text("100,000 toman")
    customer.refresh_from_db()
    assert customer.balance == 100_000

    # Buy Plus for a month: the confirmation page shows the price before anything is paid.
    page.get_by_role("link", name="Subscription", exact=True).click()
    page.get_by_label("Tier").select_option("plus")
    page.get_by_label("Months").select_option("1")
    page.get_by_role("button", name="See the price").click()
    expect(page.locator("h1")).to_have_text("Buy Plus for 1 month")
    expect(page.locator("#to-pay")).to_have_text("50,000 toman")
    customer.refresh_from_db()
    assert customer.balance == 100_000 and customer.tier == Tier.FREE  # nothing paid yet
    page.get_by_role("button", name="Pay 50,000 toman").click()
    expect(page.locator("ul.messages")).to_contain_text("You are on Plus until")
    expect(page.locator("#current-tier")).to_have_text("Plus")
    customer.refresh_from_db()
    assert customer.tier == Tier.PLUS and customer.balance == 50_000

    # Reserve the book for 3 days from its page.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="The Blind Owl").click()
    expect(page.locator("#availability")).to_have_text("2 available")
    page.get_by_label("Days").select_option("3")
    page.get_by_role("button", name="Reserve now").click()
    expect(page.locator("ul.messages")).to_contain_text("“The Blind Owl” is yours until")
    expect(page.locator("ul.messages")).to_contain_text("3,000 toman was charged")
    expect(page).to_have_url(f"{live_server.url}/reservations/")
    reservation = Reservation.objects.get(customer=customer, book=book)
    assert reservation.status == Status.ACTIVE and reservation.days == 3 and reservation.price == 3_000
    customer.refresh_from_db()
    assert customer.balance == 47_000
    book.refresh_from_db()
    assert book.units_on_loan == 1

    # My reservations shows the loan; return it.
    loans = page.get_by_role("region", name="On loan now")
    expect(loans.get_by_role("link", name="The Blind Owl")).to_be_visible()
    loans.get_by_role("button", name=re.compile("Return")).click()
    expect(page.locator("ul.messages")).to_contain_text("You returned “The Blind Owl”. Thank you!")
    expect(page.get_by_role("region", name="On loan now")).to_contain_text("No book on loan.")
    expect(page.get_by_role("region", name="History")).to_contain_text("The Blind Owl")
    reservation.refresh_from_db()
    assert reservation.status == Status.RETURNED
    book.refresh_from_db()
    assert book.units_on_loan == 0
    customer.refresh_from_db()
    assert customer.balance == 47_000  # no refund for an early return (R15)
    assert list(WalletTransaction.objects.filter(customer=customer).order_by("id").values_list("kind", "amount")) == [
        (TransactionKind.CHARGE, 100_000),
        (TransactionKind.SUBSCRIPTION, -50_000),
        (TransactionKind.RESERVATION, -3_000),
    ]
    assert_wallet_consistent(customer)


def test_reserving_with_too_little_money_lands_on_the_charge_page_with_the_shortfall_R11(
    page, live_server, log_in, make_customer
):
    """A short wallet sends the browser to the charge page with the missing amount filled in."""
    customer = make_customer(tier=Tier.PLUS, balance=1_500, user__username="kaveh")
    book = BookFactory(title="Savushun", units=1)
    log_in(page, "kaveh")

    page.goto(f"{live_server.url}/books/{book.pk}/")
    page.get_by_label("Days").select_option("5")  # 5,000 toman; the wallet holds 1,500
    page.get_by_role("button", name="Reserve now").click()

    expect(page).to_have_url(re.compile(r"/wallet/\?"))
    url = urlparse(page.url)
    assert url.path == "/wallet/"
    assert parse_qs(url.query) == {"amount": ["3500"], "next": [f"/books/{book.pk}/"]}
    expect(page.get_by_label("Amount (toman)")).to_have_value("3500")
    expect(page.locator("ul.messages")).to_contain_text("Charge at least 3,500 toman, then reserve “Savushun” again.")
    assert not Reservation.objects.filter(customer=customer).exists()
    customer.refresh_from_db()
    assert customer.balance == 1_500

    # Charging the suggested amount leads back to the book, where the reserve now succeeds.
    page.get_by_role("button", name="Pay and charge").click()
    expect(page.locator("ul.messages")).to_contain_text("Your balance is 5,000 toman.")
    assert urlparse(page.url).path == f"/books/{book.pk}/"
    page.get_by_label("Days").select_option("5")
    page.get_by_role("button", name="Reserve now").click()
    expect(page.locator("ul.messages")).to_contain_text("“Savushun” is yours until")
    customer.refresh_from_db()
    assert customer.balance == 0
    assert Reservation.objects.get(customer=customer, book=book).status == Status.ACTIVE


def test_reserve_and_return_work_without_javascript(no_js_page, live_server, log_in, make_customer):
    """With JavaScript off, logging in, reserving and returning still work (plain forms)."""
    page = no_js_page
    customer = make_customer(tier=Tier.PREMIUM, balance=20_000, user__username="shirin")
    book = BookFactory(title="Kelidar", units=1)
    page.set_content("<title>off</title><script>document.title = 'on'</script>")
    assert page.title() == "off"  # scripts really do not run in this context
    log_in(page, "shirin")

    page.goto(f"{live_server.url}/?q=Kelidar")
    page.get_by_role("link", name="Kelidar").click()
    page.get_by_label("Days").select_option("10")
    page.get_by_role("button", name="Reserve now").click()
    expect(page.locator("ul.messages")).to_contain_text("“Kelidar” is yours until")
    assert urlparse(page.url).path == "/reservations/"
    reservation = Reservation.objects.get(customer=customer, book=book)
    assert reservation.status == Status.ACTIVE and reservation.price == 10_000

    page.get_by_role("button", name=re.compile("Return")).click()
    expect(page.locator("ul.messages")).to_contain_text("You returned “Kelidar”")
    reservation.refresh_from_db()
    assert reservation.status == Status.RETURNED
