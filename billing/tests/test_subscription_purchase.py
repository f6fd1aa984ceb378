"""Service tests for buying subscriptions: prices, extensions, upgrades with a refund, refusals (R11, R18)."""

from datetime import timedelta

import pytest

from accounts.models import Tier
from billing.exceptions import DowngradeNotAllowed, InsufficientFunds, InvalidSubscription
from billing.models import TransactionKind
from billing.services import buy_subscription, quote_subscription
from billing.tests.conftest import ledger, snapshot

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
MONTH = timedelta(days=30)


# --- R18: buying subscriptions ----------------------------------------------------------------


def test_free_customer_buys_plus_for_a_month_R18(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.FREE, balance=70_000)
    purchase = buy_subscription(customer=customer, tier=Tier.PLUS, months=1, now=now)
    assert (purchase.tier, purchase.charged, purchase.refunded) == (Tier.PLUS, 50_000, 0)
    assert purchase.ends_at == now + MONTH
    customer.refresh_from_db()
    assert (customer.tier, customer.subscription_ends_at, customer.balance) == (Tier.PLUS, now + MONTH, 20_000)
    row = ledger(customer)[-1]
    assert (row.kind, row.amount, row.created_at) == (TransactionKind.SUBSCRIPTION, -50_000, now)
    assert_wallet_consistent(customer)


def test_premium_costs_200000_a_month_R18(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.FREE, balance=600_000)
    purchase = buy_subscription(customer=customer, tier=Tier.PREMIUM, months=3, now=now)
    assert (purchase.charged, purchase.ends_at) == (600_000, now + 3 * MONTH)
    customer.refresh_from_db()
    assert (customer.tier, customer.balance) == (Tier.PREMIUM, 0)
    assert customer.tier_at(now) == Tier.PREMIUM
    assert_wallet_consistent(customer)


@pytest.mark.parametrize("months", [1, 12])
def test_months_from_1_to_12_accepted_R18(make_customer, now, months):
    customer = make_customer(Tier.FREE, balance=600_000)
    purchase = buy_subscription(customer=customer, tier=Tier.PLUS, months=months, now=now)
    assert (purchase.charged, purchase.ends_at) == (50_000 * months, now + MONTH * months)


@pytest.mark.parametrize(
    ("tier", "months"),
    [
        (Tier.PLUS, 0),
        (Tier.PLUS, 13),
        (Tier.PLUS, "3"),
        (Tier.PLUS, True),
        (Tier.PLUS, 2.0),
        (Tier.FREE, 1),
        ("gold", 1),
        ("", 1),
        (None, 1),
    ],
)
def test_invalid_tier_or_months_refused_and_nothing_changes_R18(make_customer, now, tier, months):
    customer = make_customer(Tier.FREE, balance=1_000_000)
    before = snapshot(customer)
    with pytest.raises(InvalidSubscription) as error:
        buy_subscription(customer=customer, tier=tier, months=months, now=now)
    assert (error.value.code, error.value.status) == ("invalid_subscription", 400)
    assert snapshot(customer) == before


def test_same_tier_extends_from_current_end_R18(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=100_000, ends_in=10 * DAY)
    purchase = buy_subscription(customer=customer, tier=Tier.PLUS, months=2, now=now)
    assert purchase.ends_at == now + 10 * DAY + 2 * MONTH
    assert (purchase.charged, purchase.refunded) == (100_000, 0)
    customer.refresh_from_db()
    assert (customer.subscription_ends_at, customer.balance) == (now + 70 * DAY, 0)
    assert_wallet_consistent(customer)


def test_expired_plus_bought_again_starts_now_R18(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=50_000, ends_in=-5 * DAY)
    assert customer.tier == Tier.PLUS  # the field still says plus; the end has passed
    purchase = buy_subscription(customer=customer, tier=Tier.PLUS, months=1, now=now)
    assert purchase.ends_at == now + MONTH
    customer.refresh_from_db()
    assert customer.subscription_ends_at == now + MONTH


def test_upgrade_refunds_unused_plus_pro_rata_R18(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=200_000, ends_in=15 * DAY)
    purchase = buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now)
    assert (purchase.tier, purchase.charged, purchase.refunded) == (Tier.PREMIUM, 200_000, 25_000)
    assert purchase.ends_at == now + MONTH  # Premium starts now, not at the Plus end
    rows = ledger(customer)[-2:]
    assert [(row.kind, row.amount) for row in rows] == [
        (TransactionKind.REFUND, 25_000),
        (TransactionKind.SUBSCRIPTION, -200_000),
    ]
    assert rows[0].pk < rows[1].pk
    customer.refresh_from_db()
    assert (customer.tier, customer.subscription_ends_at, customer.balance) == (Tier.PREMIUM, now + MONTH, 25_000)
    assert_wallet_consistent(customer)


@pytest.mark.parametrize(
    ("left", "refund"),
    [
        (10 * DAY, 16_666),  # 50,000 × 10/30 = 16,666.67
        (7 * DAY + timedelta(hours=1), 11_736),  # 50,000 × 608,400/2,592,000 = 11,736.11
        (timedelta(seconds=51), 0),  # 0.98 toman
        (timedelta(seconds=52), 1),  # 1.003 toman
    ],
)
def test_upgrade_refund_rounds_down_to_whole_toman_R18(make_customer, now, left, refund):
    customer = make_customer(Tier.PLUS, balance=200_000, ends_in=left)
    purchase = buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now)
    assert purchase.refunded == refund
    assert isinstance(purchase.refunded, int)
    customer.refresh_from_db()
    assert customer.balance == refund


def test_refund_counts_towards_paying_for_premium_R18(make_customer, now, assert_wallet_consistent):
    """175,000 in the wallet plus 25,000 of unused Plus pays for 200,000 of Premium."""
    customer = make_customer(Tier.PLUS, balance=175_000, ends_in=15 * DAY)
    buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now)
    customer.refresh_from_db()
    assert (customer.tier, customer.balance) == (Tier.PREMIUM, 0)
    assert_wallet_consistent(customer)


def test_downgrade_while_premium_in_force_refused_R18(make_customer, now):
    customer = make_customer(Tier.PREMIUM, balance=500_000, ends_in=DAY)
    before = snapshot(customer)
    with pytest.raises(DowngradeNotAllowed) as error:
        buy_subscription(customer=customer, tier=Tier.PLUS, months=1, now=now)
    assert (error.value.code, error.value.status) == ("downgrade_not_allowed", 409)
    assert snapshot(customer) == before


def test_plus_after_premium_expired_R18(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.PREMIUM, balance=50_000, ends_in=-DAY)
    purchase = buy_subscription(customer=customer, tier=Tier.PLUS, months=1, now=now)
    assert (purchase.charged, purchase.refunded, purchase.ends_at) == (50_000, 0, now + MONTH)
    customer.refresh_from_db()
    assert (customer.tier, customer.balance) == (Tier.PLUS, 0)
    assert_wallet_consistent(customer)


def test_short_wallet_refused_with_shortfall_and_nothing_changes_R18_R11(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=80_000, ends_in=3 * DAY)
    before = snapshot(customer)
    with pytest.raises(InsufficientFunds) as error:
        buy_subscription(customer=customer, tier=Tier.PLUS, months=2, now=now)
    assert error.value.shortfall == 20_000
    assert (error.value.code, error.value.status) == ("insufficient_funds", 402)
    assert snapshot(customer) == before


def test_short_wallet_upgrade_shortfall_counts_the_refund_R18_R11(make_customer, now):
    """200,000 − 100,000 in the wallet − 25,000 of unused Plus = 75,000 short; no refund written."""
    customer = make_customer(Tier.PLUS, balance=100_000, ends_in=15 * DAY)
    before = snapshot(customer)
    with pytest.raises(InsufficientFunds) as error:
        buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now)
    assert error.value.shortfall == 75_000
    assert snapshot(customer) == before


def test_quote_subscription_changes_nothing_R18(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=10_000, ends_in=15 * DAY)
    before = snapshot(customer)
    quote = quote_subscription(customer=customer, tier=Tier.PREMIUM, months=2, now=now)
    assert (quote.tier, quote.charged, quote.refunded, quote.ends_at) == (
        Tier.PREMIUM,
        400_000,
        25_000,
        now + 2 * MONTH,
    )
    assert snapshot(customer) == before


def test_a_purchase_for_a_stale_offer_buys_nothing_R18(make_customer, now, assert_wallet_consistent):
    """The Pay button carries the offer's state; a second submit of it finds it changed."""
    from billing.exceptions import OfferChanged
    from billing.services import offer_state

    customer = make_customer("plus", balance=200_000)
    shown = offer_state(customer)
    buy_subscription(customer=customer, tier="plus", months=1, now=now, offer=shown)
    with pytest.raises(OfferChanged) as refused:
        buy_subscription(customer=customer, tier="plus", months=1, now=now, offer=shown)
    assert refused.value.status == 409 and refused.value.code == "offer_changed"
    customer.refresh_from_db()
    assert customer.balance == 150_000
    assert_wallet_consistent(customer)
