"""Service tests for the wallet (R17, R19) and subscriptions (R5, R18, R20)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Notification, Tier
from billing.exceptions import (
    DowngradeNotAllowed,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidAmount,
    InvalidSubscription,
    PaymentDeclined,
)
from billing.models import TransactionKind, WalletTransaction
from billing.services import (
    buy_subscription,
    charge_wallet,
    debit_wallet,
    end_or_renew_subscriptions,
    lock_customer,
    quote_subscription,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
MONTH = timedelta(days=30)


def ledger(customer) -> list[WalletTransaction]:
    """The customer's ledger rows in the order they were written."""
    return list(WalletTransaction.objects.filter(customer=customer).order_by("created_at", "id"))


def snapshot(customer) -> tuple:
    """What a refused operation must leave unchanged: tier, end, balance and ledger."""
    customer.refresh_from_db()
    rows = [(row.pk, row.amount, row.kind) for row in ledger(customer)]
    return customer.tier, customer.subscription_ends_at, customer.auto_renew, customer.balance, rows


# --- R17: charging the wallet ---------------------------------------------------------------


def test_charge_writes_charge_row_and_raises_balance_R17(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.FREE)
    result = charge_wallet(customer=customer, amount=25_000, now=now)
    assert result.created is True
    row = result.transaction
    assert (row.kind, row.amount, row.balance_after, row.created_at) == (TransactionKind.CHARGE, 25_000, 25_000, now)
    customer.refresh_from_db()
    assert customer.balance == 25_000
    assert ledger(customer) == [row]
    assert_wallet_consistent(customer)


@pytest.mark.parametrize("amount", [999, 100_000_001, 0, -1_000])
def test_charge_amount_out_of_bounds_refused_R17(make_customer, now, amount):
    customer = make_customer(Tier.FREE)
    with pytest.raises(InvalidAmount) as error:
        charge_wallet(customer=customer, amount=amount, now=now)
    assert error.value.code == "invalid_amount"
    assert error.value.status == 400
    assert ledger(customer) == []


@pytest.mark.parametrize("amount", [1_000, 100_000_000])
def test_charge_amount_bounds_accepted_R17(make_customer, now, amount, assert_wallet_consistent):
    customer = make_customer(Tier.FREE)
    charge_wallet(customer=customer, amount=amount, now=now)
    customer.refresh_from_db()
    assert customer.balance == amount
    assert_wallet_consistent(customer)


@pytest.mark.parametrize("amount", ["5000", 5000.0, True, None])
def test_charge_amount_must_be_int_not_bool_R17(make_customer, now, amount):
    customer = make_customer(Tier.FREE)
    with pytest.raises(InvalidAmount) as error:
        charge_wallet(customer=customer, amount=amount, now=now)
    assert error.value.code == "invalid_amount"
    assert ledger(customer) == []


def test_same_idempotency_key_charges_once_and_replays_first_result_R17(make_customer, now, assert_wallet_consistent):
    customer = make_customer(Tier.FREE)
    first = charge_wallet(customer=customer, amount=10_000, idempotency_key="key-1", now=now)
    again = charge_wallet(customer=customer, amount=10_000, idempotency_key="key-1", now=now + DAY)
    assert first.created is True and again.created is False
    assert again.transaction.pk == first.transaction.pk
    assert again.transaction.created_at == now
    customer.refresh_from_db()
    assert customer.balance == 10_000
    assert len(ledger(customer)) == 1
    assert_wallet_consistent(customer)


def test_same_idempotency_key_with_other_amount_is_refused_R17(make_customer, now):
    customer = make_customer(Tier.FREE)
    charge_wallet(customer=customer, amount=10_000, idempotency_key="key-1", now=now)
    with pytest.raises(IdempotencyKeyReused) as error:
        charge_wallet(customer=customer, amount=20_000, idempotency_key="key-1", now=now)
    assert (error.value.code, error.value.status) == ("idempotency_key_reused", 409)
    customer.refresh_from_db()
    assert customer.balance == 10_000
    assert len(ledger(customer)) == 1


def test_customers_use_the_same_key_independently_R17(make_customer, now, assert_wallet_consistent):
    alice, bob = make_customer(Tier.FREE), make_customer(Tier.FREE)
    for_alice = charge_wallet(customer=alice, amount=10_000, idempotency_key="shared", now=now)
    for_bob = charge_wallet(customer=bob, amount=30_000, idempotency_key="shared", now=now)
    assert for_alice.created and for_bob.created
    assert for_bob.transaction.customer_id == bob.pk
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.balance, bob.balance) == (10_000, 30_000)
    assert_wallet_consistent(alice)
    assert_wallet_consistent(bob)


def test_declined_charge_writes_nothing_R17(make_customer, now, settings):
    customer = make_customer(Tier.FREE)
    settings.PAYMENT_GATEWAY = "billing.gateways.DecliningGateway"
    with pytest.raises(PaymentDeclined) as error:
        charge_wallet(customer=customer, amount=10_000, idempotency_key="try-1", now=now)
    assert (error.value.code, error.value.status) == ("payment_declined", 402)
    customer.refresh_from_db()
    assert customer.balance == 0
    assert ledger(customer) == []

    # A decline is final for its key (as Stripe does): the repeat answers the same decline,
    # even through a gateway that would approve; a new attempt takes a new key.
    settings.PAYMENT_GATEWAY = "billing.gateways.FakeGateway"
    with pytest.raises(PaymentDeclined):
        charge_wallet(customer=customer, amount=10_000, idempotency_key="try-1", now=now)
    assert charge_wallet(customer=customer, amount=10_000, idempotency_key="try-2", now=now).created is True


# --- R19: the ledger --------------------------------------------------------------------------


def test_balance_equals_ledger_and_balance_after_runs_R19(make_customer, now, assert_wallet_consistent):
    """After every operation the balance is the ledger's sum and balance_after the running total."""
    customer = make_customer(Tier.FREE)

    def operations():
        yield lambda: charge_wallet(customer=customer, amount=300_000, now=now)
        yield lambda: buy_subscription(customer=customer, tier=Tier.PLUS, months=1, now=now + DAY)
        yield lambda: buy_subscription(customer=customer, tier=Tier.PREMIUM, months=1, now=now + 16 * DAY)
        yield lambda: charge_wallet(customer=customer, amount=190_000, idempotency_key="k", now=now + 17 * DAY)
        yield lambda: charge_wallet(customer=customer, amount=190_000, idempotency_key="k", now=now + 17 * DAY)
        yield lambda: end_or_renew_subscriptions(now=now + 47 * DAY)

    customer.auto_renew = True
    customer.save(update_fields=["auto_renew"])
    for operation in operations():
        operation()
        assert_wallet_consistent(customer)
        running = 0
        for row in ledger(customer):
            running += row.amount
            assert row.balance_after == running

    kinds = [row.kind for row in ledger(customer)]
    assert kinds == [
        TransactionKind.CHARGE,
        TransactionKind.SUBSCRIPTION,
        TransactionKind.REFUND,
        TransactionKind.SUBSCRIPTION,
        TransactionKind.CHARGE,
        TransactionKind.SUBSCRIPTION,  # the auto-renewal of Premium
    ]
    # 300,000 − 50,000 + 25,000 − 200,000 + 190,000 − 200,000
    assert customer.balance == 65_000


def test_debit_beyond_balance_raises_shortfall_and_writes_nothing_R19(make_customer, now):
    customer = make_customer(Tier.PLUS, balance=4_000)
    before = snapshot(customer)
    with pytest.raises(InsufficientFunds) as error, transaction.atomic():
        locked = lock_customer(customer)
        debit_wallet(customer=locked, amount=6_500, kind=TransactionKind.RESERVATION, reference="test", now=now)
    assert error.value.shortfall == 2_500
    assert error.value.as_dict()["shortfall"] == 2_500
    assert (error.value.code, error.value.status) == ("insufficient_funds", 402)
    assert snapshot(customer) == before


def test_database_rejects_a_negative_balance_R19(make_customer):
    customer = make_customer(Tier.FREE)
    customer.balance = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        customer.save(update_fields=["balance"])
    customer.refresh_from_db()
    assert customer.balance == 0


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
