"""The subscription over REST: the tier in force, buying, auto-renewal (SPEC section 4, R5, R11, R18, R20, R22, R26)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Tier
from bookstore.tests.api_assertions import assert_error, assert_invalid

pytestmark = pytest.mark.django_db

CHARGE = "/api/v1/wallet/charge/"
SUBSCRIPTION = "/api/v1/subscription/"
DAY = timedelta(days=1)


# --- GET, POST, PATCH subscription/ -------------------------------------------------


def test_subscription_shows_the_tier_in_force_R5(client_for, make_customer):
    plus = make_customer(Tier.PLUS)

    body = client_for(plus.user).get(SUBSCRIPTION).json()

    assert set(body) == {"tier", "ends_at", "auto_renew"}
    assert (body["tier"], body["auto_renew"]) == ("plus", False)
    assert parse_datetime(body["ends_at"]) == plus.subscription_ends_at


def test_a_lapsed_subscription_reads_as_free_R5(client_for, make_customer):
    lapsed = make_customer(Tier.PREMIUM, ends_in=-DAY)

    body = client_for(lapsed.user).get(SUBSCRIPTION).json()

    assert body == {"tier": "free", "ends_at": None, "auto_renew": False}


def test_free_customer_buys_plus_R18(client_for, make_customer, assert_wallet_consistent):
    free = make_customer(Tier.FREE, balance=120_000)
    before = timezone.now()

    response = client_for(free.user).post(SUBSCRIPTION, {"tier": "plus", "months": 2}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"tier", "ends_at", "charged", "refunded", "balance"}
    assert (body["tier"], body["charged"], body["refunded"], body["balance"]) == ("plus", 100_000, 0, 20_000)
    ends_at = parse_datetime(body["ends_at"])
    assert before + 60 * DAY <= ends_at <= timezone.now() + 60 * DAY
    assert_wallet_consistent(free)
    assert client_for(free.user).get(SUBSCRIPTION).json()["tier"] == "plus"


def test_renewing_the_same_tier_extends_from_the_current_end_R18(client_for, make_customer):
    plus = make_customer(Tier.PLUS, balance=50_000, ends_in=10 * DAY)

    body = client_for(plus.user).post(SUBSCRIPTION, {"tier": "plus", "months": 1}, format="json").json()

    assert parse_datetime(body["ends_at"]) == plus.subscription_ends_at + 30 * DAY
    assert body["refunded"] == 0


def test_upgrading_plus_to_premium_refunds_unused_days_R18(client_for, make_customer, assert_wallet_consistent):
    plus = make_customer(Tier.PLUS, balance=200_000, ends_in=15 * DAY)

    response = client_for(plus.user).post(SUBSCRIPTION, {"tier": "premium", "months": 1}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tier"] == "premium" and body["charged"] == 200_000
    assert 24_000 < body["refunded"] <= 25_000  # about half of a 50,000 month
    assert body["balance"] == body["refunded"]
    assert_wallet_consistent(plus)


def test_downgrading_premium_gets_409_R18(client_for, make_customer):
    premium = make_customer(Tier.PREMIUM, balance=100_000)

    response = client_for(premium.user).post(SUBSCRIPTION, {"tier": "plus", "months": 1}, format="json")

    assert_error(response, 409, "downgrade_not_allowed")
    premium.refresh_from_db()
    assert (premium.tier, premium.balance) == (Tier.PREMIUM, 100_000)


def test_short_wallet_gets_402_with_shortfall_and_charge_url_R11_R18(client_for, make_customer):
    free = make_customer(Tier.FREE, balance=10_000)

    response = client_for(free.user).post(SUBSCRIPTION, {"tier": "premium", "months": 1}, format="json")

    body = assert_error(response, 402, "insufficient_funds")
    assert body["shortfall"] == 190_000
    assert body["charge_url"] == f"{CHARGE}?amount=190000"
    free.refresh_from_db()
    assert (free.tier, free.balance) == (Tier.FREE, 10_000)


@pytest.mark.parametrize(
    "data",
    [{"tier": "free", "months": 1}, {"tier": "plus", "months": 0}, {"tier": "plus", "months": 13}],
    ids=["free", "zero-months", "13-months"],
)
def test_invalid_purchase_gets_400_invalid_subscription_R18(client_for, make_customer, data):
    customer = make_customer(Tier.FREE, balance=1_000_000)

    assert_error(client_for(customer.user).post(SUBSCRIPTION, data, format="json"), 400, "invalid_subscription")
    customer.refresh_from_db()
    assert customer.balance == 1_000_000


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tier": "gold", "months": 1}, "tier"),
        ({"tier": "plus", "months": "abc"}, "months"),
        ({"tier": "plus", "months": 1.5}, "months"),
        ({"tier": "plus", "months": True}, "months"),
        ({"tier": "x" * 10_000, "months": 1}, "tier"),
        ({"months": 1}, "tier"),
        ({"tier": "plus"}, "months"),
        ({"tier": "plus", "months": 1, "ends_at": "2100-01-01T00:00:00Z"}, "ends_at"),
    ],
    ids=["unknown-tier", "text-months", "float-months", "bool-months", "10kB-tier", "no-tier", "no-months", "extra"],
)
def test_purchase_with_bad_input_gets_400_R26(client_for, make_customer, data, field):
    customer = make_customer(Tier.FREE, balance=1_000_000)

    assert_invalid(client_for(customer.user).post(SUBSCRIPTION, data, format="json"), field)


def test_auto_renew_is_switched_with_patch_R20(client_for, make_customer):
    plus = make_customer(Tier.PLUS)
    client = client_for(plus.user)

    on = client.patch(SUBSCRIPTION, {"auto_renew": True}, format="json")
    off = client.patch(SUBSCRIPTION, {"auto_renew": False}, format="json")

    assert on.status_code == 200 and on.json()["auto_renew"] is True
    assert off.status_code == 200 and off.json() == {
        "tier": "plus",
        "ends_at": on.json()["ends_at"],
        "auto_renew": False,
    }
    plus.refresh_from_db()
    assert plus.auto_renew is False


@pytest.mark.parametrize(
    "data", [{}, {"auto_renew": "maybe"}, {"auto_renew": None}, {"auto_renew": True, "tier": "premium"}]
)
def test_auto_renew_with_bad_input_gets_400_R23_R26(client_for, make_customer, data):
    plus = make_customer(Tier.PLUS)

    response = client_for(plus.user).patch(SUBSCRIPTION, data, format="json")

    assert_error(response, 400, "invalid")
    plus.refresh_from_db()
    assert (plus.tier, plus.auto_renew) == (Tier.PLUS, False)


def test_only_customers_have_a_subscription_R22(client_for, api_client, others):
    for user in others:
        client = client_for(user)
        assert_error(client.get(SUBSCRIPTION), 403, "permission_denied")
        assert_error(client.post(SUBSCRIPTION, {"tier": "plus", "months": 1}, format="json"), 403, "permission_denied")
        assert_error(client.patch(SUBSCRIPTION, {"auto_renew": True}, format="json"), 403, "permission_denied")
    assert_error(api_client.get(SUBSCRIPTION), 401, "not_authenticated")


def test_subscription_refuses_other_methods(client_for, make_customer):
    response = client_for(make_customer(Tier.PLUS).user).delete(SUBSCRIPTION)

    assert_error(response, 405, "method_not_allowed")
