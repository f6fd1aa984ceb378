"""Service tests for the wallet: charging it (R17) and its ledger (R19)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Tier
from billing.exceptions import IdempotencyKeyReused, InsufficientFunds, InvalidAmount, PaymentDeclined
from billing.models import TransactionKind
from billing.services import buy_subscription, charge_wallet, debit_wallet, end_or_renew_subscriptions, lock_customer
from billing.tests.conftest import ledger, snapshot

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


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
