"""Wallet and subscription pages (R5, R11, R17–R20)."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Tier
from accounts.tests.factories import AuthorFactory
from accounts.tests.test_pages import assert_page_basics, text_of
from billing.models import GatewayCharge, TransactionKind, WalletTransaction
from billing.services import MONTH, buy_subscription

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")


def form_value(response, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', response.content.decode()).group(1).replace("&amp;", "&")


# --- Wallet -----------------------------------------------------------------------------


def test_wallet_needs_login_and_a_customer(client):
    response = client.get("/wallet/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/wallet/"
    client.force_login(AuthorFactory().user)
    assert client.get("/wallet/").status_code == 403


def test_wallet_shows_balance_and_ledger_newest_first(client, make_customer, fund, now):
    customer = make_customer(Tier.PLUS, balance=12_000)
    fund(customer, 3_500, at=now - timedelta(days=1))
    client.force_login(customer.user)
    response = client.get("/wallet/")
    assert response.status_code == 200
    html = assert_page_basics(response)
    assert "15,500 toman" in html
    assert html.index("+3,500 toman") < html.index("+12,000 toman")
    assert (now - timedelta(days=1)).astimezone(TEHRAN).strftime("%Y-%m-%d %H:%M") in html


def test_ledger_is_paged_by_twenty(client, make_customer, fund, now):
    customer = make_customer(Tier.PLUS)
    for n in range(21):
        fund(customer, 1_000 + n, at=now - timedelta(hours=n))
    client.force_login(customer.user)
    first = client.get("/wallet/")
    assert "+1,000 toman" in text_of(first) and "+1,020 toman" not in text_of(first)
    assert "Page 1 of 2" in text_of(first)
    assert "+1,020 toman" in text_of(client.get("/wallet/", {"page": "2"}))


def test_amount_in_the_address_fills_in_the_charge_form_R11(client, make_customer):
    client.force_login(make_customer(Tier.PLUS).user)
    response = client.get("/wallet/", {"amount": "4000", "next": "/books/1/"})
    assert 'value="4000"' in response.content.decode()
    assert form_value(response, "next") == "/books/1/"
    response = client.get("/wallet/", {"amount": "lots", "next": "https://evil.example/"})
    assert response.status_code == 200 and 'name="next"' not in response.content.decode()


def test_charge_adds_to_the_wallet_and_the_ledger_R17_R19(client, make_customer, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=1_000)
    client.force_login(customer.user)
    page = client.get("/wallet/")
    response = client.post(
        "/wallet/charge/", {"amount": "25000", "idempotency_key": form_value(page, "idempotency_key")}
    )
    assert response.status_code == 302 and response["Location"] == "/wallet/"
    customer.refresh_from_db()
    assert customer.balance == 26_000
    assert_wallet_consistent(customer)
    assert "Charged 25,000 toman. Your balance is 26,000 toman." in text_of(client.get("/wallet/"))


def test_a_double_submit_of_one_form_charges_once_R17(client, make_customer):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    key = form_value(client.get("/wallet/"), "idempotency_key")
    client.post("/wallet/charge/", {"amount": "5000", "idempotency_key": key})
    again = client.post("/wallet/charge/", {"amount": "5000", "idempotency_key": key})
    assert again.status_code == 302
    customer.refresh_from_db()
    assert customer.balance == 5_000
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.CHARGE).count() == 1
    assert "was already made; nothing more was charged" in text_of(client.get("/wallet/"))


def test_every_render_gets_a_new_key(client, make_customer):
    client.force_login(make_customer(Tier.PLUS).user)
    assert form_value(client.get("/wallet/"), "idempotency_key") != form_value(
        client.get("/wallet/"), "idempotency_key"
    )


@pytest.mark.parametrize("amount", ["²", "①", "12²", "-5", "9" * 5_000, "1e3"])
def test_an_amount_int_cannot_read_is_ignored_not_a_500_R26(client, make_customer, amount):
    """str.isdigit() accepts "²" and "①", which int() refuses: the page ignores them."""
    client.force_login(make_customer(Tier.PLUS).user)

    response = client.get("/wallet/", {"amount": amount})

    assert response.status_code == 200
    assert 'name="amount"' in response.content.decode()
    assert re.search(r'<input[^>]*name="amount"[^>]*value=', response.content.decode()) is None


def test_an_amount_in_persian_digits_fills_in_the_form_R11_R40(client, make_customer):
    client.force_login(make_customer(Tier.PLUS).user)
    assert 'value="4000"' in client.get("/wallet/", {"amount": "۴۰۰۰"}).content.decode()


def test_a_charge_the_gateway_failed_keeps_its_key_and_the_retry_charges_once_R17(
    client, make_customer, settings, gateway_calls
):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    key = form_value(client.get("/wallet/"), "idempotency_key")
    settings.PAYMENT_GATEWAY = "billing.tests.gateways.TimingOutGateway"

    failed = client.post("/wallet/charge/", {"amount": "5000", "idempotency_key": key})

    assert failed.status_code == 503
    assert "The payment gateway did not answer. Press Pay again" in text_of(failed)
    assert form_value(failed, "idempotency_key") == key
    settings.PAYMENT_GATEWAY = "billing.tests.gateways.CountingGateway"
    assert client.post("/wallet/charge/", {"amount": "5000", "idempotency_key": key}).status_code == 302
    customer.refresh_from_db()
    assert customer.balance == 5_000
    assert [call[2] for call in gateway_calls] == [key, key]


def test_a_charge_still_at_the_gateway_keeps_its_key_R17(client, make_customer, gateway_calls):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    GatewayCharge.objects.create(customer=customer, idempotency_key="k-busy", amount=5_000, attempted_at=timezone.now())

    response = client.post("/wallet/charge/", {"amount": "5000", "idempotency_key": "k-busy"})

    assert response.status_code == 409
    assert "Your payment is still being processed." in text_of(response)
    assert form_value(response, "idempotency_key") == "k-busy"
    assert gateway_calls == []


def test_a_declined_charge_says_so_and_gets_a_new_key_R17(client, make_customer, settings, gateway_calls):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    settings.PAYMENT_GATEWAY = "billing.tests.gateways.DecliningCountingGateway"

    for _ in range(2):  # the second submit of the same form: the same answer, no second call
        response = client.post("/wallet/charge/", {"amount": "5000", "idempotency_key": "k-card"})
        assert response.status_code == 402
        assert "Card expired." in text_of(response)
        assert form_value(response, "idempotency_key") != "k-card"
    assert len(gateway_calls) == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("500", "The amount must be from 1,000 to 100,000,000 toman."),
        ("100000001", "The amount must be from 1,000 to 100,000,000 toman."),
        ("12.5", "Enter a whole number of toman."),
        ("", "Enter an amount."),
    ],
)
def test_charge_amount_out_of_range_is_a_400_on_the_field_R17(client, make_customer, amount, message):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    response = client.post("/wallet/charge/", {"amount": amount, "idempotency_key": "k-1"})
    assert response.status_code == 400
    assert_page_basics(response)
    assert message in text_of(response)
    customer.refresh_from_db()
    assert customer.balance == 0


def test_after_the_charge_the_browser_goes_back_to_next_R11(client, make_customer):
    client.force_login(make_customer(Tier.PLUS).user)
    response = client.post("/wallet/charge/", {"amount": "2000", "idempotency_key": "k-2", "next": "/books/7/"})
    assert response["Location"] == "/books/7/"
    response = client.post(
        "/wallet/charge/", {"amount": "2000", "idempotency_key": "k-3", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/wallet/"


def test_charge_needs_csrf(make_customer):
    customer = make_customer(Tier.PLUS)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer.user)
    assert strict.post("/wallet/charge/", {"amount": "2000"}).status_code == 403
    customer.refresh_from_db()
    assert customer.balance == 0


# --- Subscription -----------------------------------------------------------------------


def test_subscription_page_shows_the_tier_in_force_and_its_end_R5(client, make_customer):
    customer = make_customer(Tier.PLUS, ends_in=timedelta(days=10))
    client.force_login(customer.user)
    response = client.get("/subscription/")
    html = assert_page_basics(response)
    assert '<p class="stat" id="current-tier">Plus</p>' in html
    assert customer.subscription_ends_at.astimezone(TEHRAN).strftime("%Y-%m-%d %H:%M") in html
    lapsed = make_customer(Tier.PREMIUM, ends_in=-timedelta(hours=1))
    client.force_login(lapsed.user)
    assert '<p class="stat" id="current-tier">Free</p>' in client.get("/subscription/").content.decode()


def test_the_offer_shows_price_and_new_end_before_paying_R18(client, make_customer):
    customer = make_customer(Tier.FREE, balance=200_000)
    client.force_login(customer.user)
    before = timezone.now()
    response = client.get("/subscription/confirm/", {"tier": "plus", "months": "3"})
    assert response.status_code == 200
    html = assert_page_basics(response)
    text = text_of(response)
    assert "Buy Plus for 3 months" in text and "150,000 toman" in text
    assert (before + 3 * MONTH).astimezone(TEHRAN).strftime("%Y-%m-%d") in text
    assert 'action="/subscription/buy/"' in html
    customer.refresh_from_db()
    assert customer.tier == Tier.FREE and customer.balance == 200_000  # nothing paid yet


def test_the_upgrade_offer_shows_the_pro_rata_refund_R18(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=300_000, ends_in=timedelta(days=15))
    client.force_login(customer.user)
    text = text_of(client.get("/subscription/confirm/", {"tier": "premium", "months": "1"}))
    assert "Upgrade to Premium for 1 month" in text
    refund = int(re.search(r"−([\d,]+) toman", text).group(1).replace(",", ""))
    assert 24_990 <= refund <= 25_000  # half a month of Plus, to the second
    assert f"{200_000 - refund:,} toman" in text


def test_a_renewal_offer_ends_a_month_after_the_current_end_R18(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=100_000, ends_in=timedelta(days=10))
    client.force_login(customer.user)
    text = text_of(client.get("/subscription/confirm/", {"tier": "plus", "months": "1"}))
    assert "Renew Plus for 1 month" in text
    assert (customer.subscription_ends_at + MONTH).astimezone(TEHRAN).strftime("%Y-%m-%d %H:%M") in text


def test_premium_to_plus_is_refused_with_409_R18(client, make_customer):
    client.force_login(make_customer(Tier.PREMIUM, balance=100_000).user)
    response = client.get("/subscription/confirm/", {"tier": "plus", "months": "1"})
    assert response.status_code == 409
    assert "You cannot switch from Premium to Plus while Premium is in force." in text_of(response)


@pytest.mark.parametrize("query", [{"tier": "gold", "months": "1"}, {"tier": "plus", "months": "13"}, {}])
def test_an_impossible_choice_is_a_400(client, make_customer, query):
    client.force_login(make_customer(Tier.FREE).user)
    response = client.get("/subscription/confirm/", query)
    assert response.status_code == 400
    assert "Select a valid choice" in text_of(response) or "This field is required." in text_of(response)


def test_a_short_offer_links_to_the_wallet_with_the_shortfall_R11(client, make_customer):
    customer = make_customer(Tier.FREE, balance=20_000)
    client.force_login(customer.user)
    response = client.get("/subscription/confirm/", {"tier": "plus", "months": "1"})
    assert "Your wallet is 30,000 toman short." in text_of(response)
    assert 'action="/subscription/buy/"' not in response.content.decode()
    link = re.search(r'href="(/wallet/\?[^"]+)"', response.content.decode()).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query == {"amount": ["30000"], "next": ["/subscription/confirm/?tier=plus&months=1"]}


def test_buying_plus_from_the_offer_R18(client, make_customer, assert_wallet_consistent):
    customer = make_customer(Tier.FREE, balance=120_000)
    client.force_login(customer.user)
    offer = client.get("/subscription/confirm/", {"tier": "plus", "months": "2"})
    response = client.post("/subscription/buy/", {"tier": "plus", "months": "2", "state": form_value(offer, "state")})
    assert response.status_code == 302 and response["Location"] == "/subscription/"
    customer.refresh_from_db()
    assert customer.tier == Tier.PLUS and customer.balance == 20_000
    assert_wallet_consistent(customer)
    assert "You are on Plus until" in text_of(client.get("/subscription/"))


def test_upgrading_refunds_the_unused_plus_days_R18(client, make_customer):
    customer = make_customer(Tier.PLUS, balance=200_000, ends_in=timedelta(days=15))
    client.force_login(customer.user)
    offer = client.get("/subscription/confirm/", {"tier": "premium", "months": "1"})
    client.post("/subscription/buy/", {"tier": "premium", "months": "1", "state": form_value(offer, "state")})
    customer.refresh_from_db()
    assert customer.tier == Tier.PREMIUM
    refund = WalletTransaction.objects.get(customer=customer, kind=TransactionKind.REFUND)
    assert 24_990 <= refund.amount <= 25_000
    assert "for the unused Plus days went back to your wallet" in text_of(client.get("/subscription/"))


def test_a_second_submit_of_the_same_offer_buys_nothing_more(client, make_customer):
    customer = make_customer(Tier.FREE, balance=200_000)
    client.force_login(customer.user)
    offer = client.get("/subscription/confirm/", {"tier": "plus", "months": "1"})
    data = {"tier": "plus", "months": "1", "state": form_value(offer, "state")}
    client.post("/subscription/buy/", data)
    again = client.post("/subscription/buy/", data)
    assert again.status_code == 302 and again["Location"] == "/subscription/confirm/?tier=plus&months=1"
    customer.refresh_from_db()
    assert customer.balance == 150_000
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.SUBSCRIPTION).count() == 1


def test_buying_with_a_short_wallet_goes_to_the_charge_page_R11(client, make_customer):
    customer = make_customer(Tier.FREE, balance=60_000)
    client.force_login(customer.user)
    # The offer page shows a charge link instead of the button; the wallet may shrink after it, too.
    response = client.post("/subscription/buy/", {"tier": "premium", "months": "1", "state": "free|"})
    location = urlsplit(response["Location"])
    assert location.path == "/wallet/"
    assert parse_qs(location.query) == {
        "amount": ["140000"],
        "next": ["/subscription/confirm/?tier=premium&months=1"],
    }
    assert "Your wallet is 140,000 toman short." in text_of(client.get(response["Location"]))
    customer.refresh_from_db()
    assert customer.tier == Tier.FREE and customer.balance == 60_000


def test_buying_a_downgrade_is_refused_with_409_R18(client, make_customer):
    customer = make_customer(Tier.PREMIUM, balance=100_000)
    client.force_login(customer.user)
    state = f"premium|{customer.subscription_ends_at.isoformat()}"
    response = client.post("/subscription/buy/", {"tier": "plus", "months": "1", "state": state})
    assert response.status_code == 409
    assert "You cannot switch from Premium to Plus" in text_of(response)
    customer.refresh_from_db()
    assert customer.balance == 100_000


def test_auto_renew_switch_R20(client, make_customer):
    customer = make_customer(Tier.PLUS)
    client.force_login(customer.user)
    response = client.post("/subscription/auto-renew/", {"auto_renew": "on"})
    assert response.status_code == 302 and response["Location"] == "/subscription/"
    customer.refresh_from_db()
    assert customer.auto_renew is True
    assert "Auto-renew is on." in text_of(client.get("/subscription/"))
    client.post("/subscription/auto-renew/", {})
    customer.refresh_from_db()
    assert customer.auto_renew is False


def test_subscription_pages_are_for_customers_only(client):
    for url in ("/subscription/", "/subscription/confirm/?tier=plus&months=1"):
        assert client.get(url)["Location"].startswith("/accounts/login/?next=")
    assert client.post("/subscription/buy/", {})["Location"] == "/accounts/login/?next=/subscription/"
    client.force_login(AuthorFactory().user)
    assert client.get("/subscription/").status_code == 403
    assert client.post("/subscription/buy/", {"tier": "plus", "months": "1"}).status_code == 403


def test_renewing_through_the_service_shows_on_the_page(client, make_customer, now):
    """The page reads what the service wrote: a renewal moves the shown end by 30 days (R18)."""
    customer = make_customer(Tier.PLUS, balance=100_000, ends_in=timedelta(days=5))
    end = customer.subscription_ends_at
    buy_subscription(customer=customer, tier=Tier.PLUS, months=1, now=now)
    client.force_login(customer.user)
    assert (end + MONTH).astimezone(TEHRAN).strftime("%Y-%m-%d %H:%M") in text_of(client.get("/subscription/"))
