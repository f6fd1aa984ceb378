"""The claim on an Idempotency-Key (``GatewayCharge``): its states and how a repeat resolves them (R17, R19)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Tier
from billing.exceptions import ChargeInProgress, PaymentDeclined, PaymentGatewayUnavailable
from billing.models import ChargeStatus, GatewayCharge, TransactionKind
from billing.services import charge_wallet, credit_wallet, lock_customer
from billing.tests import gateways
from bookstore.tests.api_assertions import assert_error

pytestmark = pytest.mark.django_db

CHARGE = "/api/v1/wallet/charge/"
LAPSED = GatewayCharge.LEASE + timedelta(seconds=1)


def claim_of(customer, key: str) -> GatewayCharge:
    return GatewayCharge.objects.get(customer=customer, idempotency_key=key)


def pending_claim(customer, key: str, *, amount: int = 5_000, started_ago: timedelta = timedelta(0)) -> GatewayCharge:
    """A claim whose gateway call began `started_ago` and never reported: a request at the gateway, or one that died."""
    at = timezone.now() - started_ago
    return GatewayCharge.objects.create(
        customer=customer, idempotency_key=key, amount=amount, attempted_at=at, created_at=at, updated_at=at
    )


def test_an_approved_charge_records_its_claim_with_the_ledger_row_R17(make_customer, now, gateway_calls):
    customer = make_customer(Tier.PLUS)

    result = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    claim = claim_of(customer, "k")
    assert (claim.status, claim.amount, claim.attempts) == (ChargeStatus.APPROVED, 5_000, 1)
    assert claim.transaction == result.transaction
    assert claim.gateway_reference == "counted-1"
    assert result.transaction.idempotency_key == "k"  # the ledger's own unique key, the last line


def test_a_charge_without_a_key_is_claimed_under_a_server_made_key_R17(make_customer, now, gateway_calls):
    customer = make_customer(Tier.PLUS)

    result = charge_wallet(customer=customer, amount=5_000, now=now)

    claim = GatewayCharge.objects.get(customer=customer)
    assert claim.idempotency_key.startswith("server-")
    assert gateway_calls == [(customer.pk, 5_000, claim.idempotency_key)]
    assert result.transaction.idempotency_key == claim.idempotency_key


def test_a_pending_claim_within_its_lease_answers_409_charge_in_progress_R17(make_customer, now, gateway_calls):
    customer = make_customer(Tier.PLUS)
    pending_claim(customer, "k", started_ago=timedelta(seconds=10))

    with pytest.raises(ChargeInProgress) as error:
        charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    assert error.value.retry_after == GatewayCharge.RETRY_AFTER
    assert gateway_calls == []
    assert claim_of(customer, "k").attempts == 1


def test_charge_in_progress_over_the_api_sends_retry_after_R17(client_for, make_customer, gateway_calls):
    customer = make_customer(Tier.PLUS)
    pending_claim(customer, "k")

    response = client_for(customer.user).post(CHARGE, {"amount": 5_000}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    body = assert_error(response, 409, "charge_in_progress")
    assert int(response["Retry-After"]) == body["retry_after"]
    assert body["retry_after"] == GatewayCharge.RETRY_AFTER
    assert gateway_calls == []


def test_a_stale_pending_claim_is_taken_over_and_credited_once_R17(
    make_customer, now, gateway_calls, assert_wallet_consistent
):
    """A process died at the gateway: after the lease, a repeat calls it again with the same key."""
    customer = make_customer(Tier.PLUS)
    pending_claim(customer, "k", started_ago=LAPSED)

    result = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    assert result.created
    assert gateway_calls == [(customer.pk, 5_000, "k")]
    claim = claim_of(customer, "k")
    assert (claim.status, claim.attempts, claim.transaction) == (ChargeStatus.APPROVED, 2, result.transaction)
    assert_wallet_consistent(customer)
    assert customer.balance == 5_000


def test_the_wait_asked_never_runs_past_the_lease_R17(make_customer, now, gateway_calls):
    customer = make_customer(Tier.PLUS)
    pending_claim(customer, "k", started_ago=GatewayCharge.LEASE - timedelta(milliseconds=500))

    with pytest.raises(ChargeInProgress) as error:
        charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    assert error.value.retry_after == 1
    assert gateway_calls == []


def test_one_of_two_repeats_takes_a_stale_claim_over_R17(make_customer):
    customer = make_customer(Tier.PLUS)
    pending_claim(customer, "k", started_ago=LAPSED)
    first, second = claim_of(customer, "k"), claim_of(customer, "k")  # both read it before either wrote

    first.take_over(at=timezone.now())
    with pytest.raises(ChargeInProgress):
        second.take_over(at=timezone.now())

    assert claim_of(customer, "k").attempts == 2


def test_a_call_that_outlived_its_lease_is_not_credited_twice_R17(
    make_customer, now, gateway_calls, assert_wallet_consistent
):
    """The first call is slow; its claim lapses and a repeat takes over and is credited first."""
    customer = make_customer(Tier.PLUS)
    taken_over = {}

    def lapse_and_repeat():
        GatewayCharge.objects.filter(idempotency_key="k").update(attempted_at=timezone.now() - LAPSED)
        taken_over["result"] = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    gateways.during_next_call(lapse_and_repeat)

    slow = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    assert taken_over["result"].created and not slow.created
    assert slow.transaction.pk == taken_over["result"].transaction.pk
    assert gateway_calls == [(customer.pk, 5_000, "k")] * 2  # the same key: one charge at a real gateway
    assert customer.transactions.filter(kind=TransactionKind.CHARGE).exclude(reference="test").count() == 1
    assert_wallet_consistent(customer)


def test_a_timeout_leaves_the_claim_failed_and_the_retry_takes_it_at_once_R17(make_customer, now, settings):
    customer = make_customer(Tier.PLUS)
    gateways.reset()
    settings.PAYMENT_GATEWAY = "billing.tests.gateways.TimingOutGateway"
    with pytest.raises(PaymentGatewayUnavailable):
        charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)
    assert (claim_of(customer, "k").status, claim_of(customer, "k").attempts) == (ChargeStatus.FAILED, 1)

    settings.PAYMENT_GATEWAY = "billing.tests.gateways.CountingGateway"
    result = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    claim = claim_of(customer, "k")
    assert (claim.status, claim.attempts, claim.transaction) == (ChargeStatus.APPROVED, 2, result.transaction)
    gateways.reset()


def test_a_declined_claim_is_final_R17(make_customer, now, settings, gateway_calls):
    customer = make_customer(Tier.PLUS)
    settings.PAYMENT_GATEWAY = "billing.tests.gateways.DecliningCountingGateway"
    with pytest.raises(PaymentDeclined):
        charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    claim = claim_of(customer, "k")
    assert (claim.status, claim.message, claim.transaction) == (ChargeStatus.DECLINED, "Card expired.", None)
    with pytest.raises(ValueError):
        claim.take_over(at=timezone.now())


def test_a_credit_made_before_claims_existed_is_answered_not_credited_again_R17(
    make_customer, now, gateway_calls, assert_wallet_consistent
):
    """The ledger's unique key, the last line: a keyed credit with no claim (written by older code)."""
    customer = make_customer(Tier.PLUS)
    with transaction.atomic():
        earlier = credit_wallet(
            customer=lock_customer(customer),
            amount=5_000,
            kind=TransactionKind.CHARGE,
            reference="Gateway old-1",
            now=now,
            idempotency_key="old",
        )

    result = charge_wallet(customer=customer, amount=5_000, idempotency_key="old", now=now)

    assert (result.created, result.transaction.pk) == (False, earlier.pk)
    assert claim_of(customer, "old").transaction == earlier
    assert_wallet_consistent(customer)
    assert customer.balance == 5_000


def test_the_migration_gives_earlier_keyed_credits_their_claims_R17(make_customer, now, gateway_calls):
    customer = make_customer(Tier.PLUS)
    with transaction.atomic():
        earlier = credit_wallet(
            customer=lock_customer(customer),
            amount=5_000,
            kind=TransactionKind.CHARGE,
            reference="Gateway fake-1",
            now=now,
            idempotency_key="old",
        )
    backfill = importlib.import_module("billing.migrations.0003_backfill_gateway_charges").backfill

    backfill(apps, None)
    backfill(apps, None)  # again: nothing more

    claim = claim_of(customer, "old")
    assert (claim.status, claim.transaction, claim.gateway_reference) == (ChargeStatus.APPROVED, earlier, "fake-1")
    assert GatewayCharge.objects.filter(customer=customer).count() == 1
    assert charge_wallet(customer=customer, amount=5_000, idempotency_key="old", now=now).created is False
    assert gateway_calls == []


def test_the_database_refuses_a_second_claim_and_an_approval_without_its_credit_R17(make_customer):
    customer = make_customer(Tier.PLUS)
    pending_claim(customer, "k")
    with pytest.raises(IntegrityError), transaction.atomic():
        pending_claim(customer, "k")
    with pytest.raises(IntegrityError), transaction.atomic():
        GatewayCharge.objects.filter(customer=customer).update(status=ChargeStatus.APPROVED)
