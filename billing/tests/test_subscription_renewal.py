"""Service tests for a subscription's end: the tier lapses (R5), the sweep ends or auto-renews it (R20)."""

from datetime import timedelta

import pytest

from accounts.models import Notification, Tier
from billing.models import TransactionKind
from billing.services import end_or_renew_subscriptions
from billing.tests.conftest import ledger, snapshot

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
MONTH = timedelta(days=30)


# --- R5: a tier is in force only until it ends -----------------------------------------------


def test_tier_is_free_once_the_subscription_ends_R5(make_customer, now):
    customer = make_customer(Tier.PLUS, ends_in=DAY)
    assert customer.tier_at(now) == Tier.PLUS
    assert customer.tier_at(now + DAY - timedelta(seconds=1)) == Tier.PLUS
    assert customer.tier_at(now + DAY) == Tier.FREE  # ends_at is not "in the future" any more
    assert customer.tier_at(now + 2 * DAY) == Tier.FREE
    assert customer.rule_at(now + 2 * DAY) is None
    customer.refresh_from_db()
    assert customer.tier == Tier.PLUS  # the field alone does not grant the tier


# --- R20: ending or auto-renewing subscriptions ----------------------------------------------


def test_auto_renew_with_money_renews_one_month_R20(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=60_000, ends_in=-timedelta(hours=2), auto_renew=True)
    old_end = customer.subscription_ends_at
    counts = end_or_renew_subscriptions(now=now)
    assert counts == {"renewed": 1, "ended": 0}
    customer.refresh_from_db()
    assert (customer.tier, customer.subscription_ends_at, customer.balance) == (Tier.PLUS, old_end + MONTH, 10_000)
    row = ledger(customer)[-1]
    assert (row.kind, row.amount, row.created_at) == (TransactionKind.SUBSCRIPTION, -50_000, now)
    kinds = list(Notification.objects.filter(user=customer.user).values_list("kind", flat=True))
    assert kinds == [Notification.Kind.SUBSCRIPTION_RENEWED]
    assert_wallet_consistent(customer)


def test_auto_renew_without_money_falls_back_to_free_R20(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=49_999, ends_in=-DAY, auto_renew=True)
    rows_before = ledger(customer)
    counts = end_or_renew_subscriptions(now=now)
    assert counts == {"renewed": 0, "ended": 1}
    customer.refresh_from_db()
    assert (customer.tier, customer.balance) == (Tier.FREE, 49_999)
    assert ledger(customer) == rows_before
    kinds = list(Notification.objects.filter(user=customer.user).values_list("kind", flat=True))
    assert kinds == [Notification.Kind.SUBSCRIPTION_ENDED]
    assert_wallet_consistent(customer)


def test_auto_renew_off_falls_back_to_free_R20(make_customer, now):
    customer = make_customer(Tier.PREMIUM, balance=1_000_000, ends_in=-DAY)
    assert customer.auto_renew is False  # off by default
    counts = end_or_renew_subscriptions(now=now)
    assert counts == {"renewed": 0, "ended": 1}
    customer.refresh_from_db()
    assert (customer.tier, customer.balance) == (Tier.FREE, 1_000_000)
    assert Notification.objects.filter(user=customer.user, kind=Notification.Kind.SUBSCRIPTION_ENDED).count() == 1


def test_subscriptions_not_yet_due_are_untouched_R20(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=100_000, ends_in=timedelta(minutes=1), auto_renew=True)
    before = snapshot(customer)
    assert end_or_renew_subscriptions(now=now) == {"renewed": 0, "ended": 0}
    assert snapshot(customer) == before
    assert not Notification.objects.filter(user=customer.user).exists()


def test_running_twice_renews_once_R20(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.PLUS, balance=200_000, ends_in=-DAY, auto_renew=True)
    assert end_or_renew_subscriptions(now=now) == {"renewed": 1, "ended": 0}
    assert end_or_renew_subscriptions(now=now) == {"renewed": 0, "ended": 0}
    assert end_or_renew_subscriptions(now=now + DAY) == {"renewed": 0, "ended": 0}
    customer.refresh_from_db()
    assert (customer.balance, customer.subscription_ends_at) == (150_000, now + 29 * DAY)
    assert Notification.objects.filter(user=customer.user).count() == 1
    assert_wallet_consistent(customer)


def test_counts_cover_every_due_customer_R20(make_customer, now, assert_wallet_consistent):
    renewed_plus = make_customer(Tier.PLUS, balance=50_000, ends_in=-DAY, auto_renew=True)
    renewed_premium = make_customer(Tier.PREMIUM, balance=200_000, ends_in=timedelta(0), auto_renew=True)
    broke = make_customer(Tier.PREMIUM, balance=199_999, ends_in=-DAY, auto_renew=True)
    not_renewing = make_customer(Tier.PLUS, balance=50_000, ends_in=-DAY)
    running = make_customer(Tier.PLUS, balance=50_000, ends_in=DAY, auto_renew=True)
    free = make_customer(Tier.FREE, balance=50_000, auto_renew=True)

    assert end_or_renew_subscriptions(now=now) == {"renewed": 2, "ended": 2}

    expected = {
        renewed_plus: (Tier.PLUS, 0),
        renewed_premium: (Tier.PREMIUM, 0),
        broke: (Tier.FREE, 199_999),
        not_renewing: (Tier.FREE, 50_000),
        running: (Tier.PLUS, 50_000),
        free: (Tier.FREE, 50_000),
    }
    for customer, (tier, balance) in expected.items():
        customer.refresh_from_db()
        assert (customer.tier, customer.balance) == (tier, balance), customer
        assert_wallet_consistent(customer)
    assert renewed_premium.subscription_ends_at == now + MONTH
