"""The payment gateway is called at most once per Idempotency-Key, and a charge is credited once (R17, R19).

The gateways of ``billing.tests.gateways`` count their calls. A repeat that arrives
while the first request is at the gateway is made from inside the gateway call
(``during_next_call``), so the interleaving is exact; the last test does the same with
50 real threads.
"""

import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import Customer, Tier
from billing.models import TransactionKind, WalletTransaction
from billing.services import charge_wallet
from billing.tests import gateways
from bookstore.tests.api_assertions import assert_error
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db

CHARGE = "/api/v1/wallet/charge/"
TIMING_OUT = "billing.tests.gateways.TimingOutGateway"
DECLINING = "billing.tests.gateways.DecliningCountingGateway"
COUNTING = "billing.tests.gateways.CountingGateway"


def credits(customer: Customer) -> list[WalletTransaction]:
    """The customer's charge credits, less the test funding."""
    rows = WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.CHARGE)
    return list(rows.exclude(reference="test"))


def attempt(call) -> dict[str, Any]:
    """Run `call`; return {"value": ...} or {"refusal": DomainError}."""
    try:
        return {"value": call()}
    except DomainError as refusal:
        return {"refusal": refusal}


def post_charge(client, amount: int, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(CHARGE, {"amount": amount}, format="json", **headers)


# --- A repeat while the first request is at the gateway -----------------------------------


def test_a_repeat_while_the_first_is_at_the_gateway_gets_409_and_no_call_R17(
    make_customer, now, gateway_calls, assert_wallet_consistent
):
    customer = make_customer(Tier.PLUS)
    during: dict[str, Any] = {}
    gateways.during_next_call(
        lambda: during.update(attempt(lambda: charge_wallet(customer=customer, amount=5_000, idempotency_key="k")))
    )

    first = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    refusal = during.get("refusal")
    assert refusal is not None, f"the repeat was answered {during}"
    assert (refusal.code, refusal.status) == ("charge_in_progress", 409)
    assert refusal.extra["retry_after"] >= 1
    assert gateway_calls == [(customer.pk, 5_000, "k")]
    assert first.created and [row.pk for row in credits(customer)] == [first.transaction.pk]
    assert_wallet_consistent(customer)
    assert customer.balance == 5_000

    again = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)
    assert (again.created, again.transaction.pk) == (False, first.transaction.pk)
    assert len(gateway_calls) == 1


def test_same_key_with_another_amount_gets_409_and_no_call_R17(
    make_customer, now, gateway_calls, assert_wallet_consistent
):
    """Today's bug: the repeat took 7,000 at the gateway and answered 409, crediting nothing."""
    customer = make_customer(Tier.PLUS)
    during: dict[str, Any] = {}
    gateways.during_next_call(
        lambda: during.update(attempt(lambda: charge_wallet(customer=customer, amount=7_000, idempotency_key="k")))
    )

    first = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    refusal = during.get("refusal")
    assert refusal is not None, f"the repeat was answered {during}"
    assert (refusal.code, refusal.status) == ("idempotency_key_reused", 409)
    assert gateway_calls == [(customer.pk, 5_000, "k")]
    assert first.created
    # After the first is credited, another amount is still refused without a call.
    with pytest.raises(DomainError) as later:
        charge_wallet(customer=customer, amount=7_000, idempotency_key="k", now=now)
    assert later.value.code == "idempotency_key_reused"
    assert len(gateway_calls) == 1
    assert [row.amount for row in credits(customer)] == [5_000]
    assert_wallet_consistent(customer)


def test_another_amount_over_the_api_gets_409_and_no_call_R17(client_for, make_customer, gateway_calls):
    customer = make_customer(Tier.PLUS)
    client = client_for(customer.user)
    during: dict[str, Any] = {}
    gateways.during_next_call(lambda: during.update(response=post_charge(client, 7_000, key="order-1")))

    assert post_charge(client, 5_000, key="order-1").status_code == 201

    assert_error(during["response"], 409, "idempotency_key_reused")
    assert len(gateway_calls) == 1
    customer.refresh_from_db()
    assert customer.balance == 5_000


# --- Gateway failures and declines ----------------------------------------------------------


def test_a_timeout_then_a_retry_with_the_same_key_credits_once_R17(
    make_customer, now, settings, gateway_calls, assert_wallet_consistent
):
    customer = make_customer(Tier.PLUS)
    settings.PAYMENT_GATEWAY = TIMING_OUT

    with pytest.raises(DomainError) as failure:
        charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    assert (failure.value.code, failure.value.status) == ("payment_gateway_unavailable", 503)
    assert failure.value.extra["idempotency_key"] == "k" and failure.value.extra["retry_after"] >= 1
    assert credits(customer) == []

    settings.PAYMENT_GATEWAY = COUNTING
    retried = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)
    again = charge_wallet(customer=customer, amount=5_000, idempotency_key="k", now=now)

    assert retried.created and not again.created and again.transaction.pk == retried.transaction.pk
    # The gateway was asked twice, with the same key: a real one charges that key once.
    assert gateway_calls == [(customer.pk, 5_000, "k")] * 2
    assert [row.pk for row in credits(customer)] == [retried.transaction.pk]
    assert_wallet_consistent(customer)
    assert customer.balance == 5_000


def test_a_timeout_over_the_api_is_a_503_and_the_retry_a_201_R17_R26(
    client_for, make_customer, settings, gateway_calls
):
    customer = make_customer(Tier.PLUS)
    client = client_for(customer.user)
    settings.PAYMENT_GATEWAY = TIMING_OUT

    failed = post_charge(client, 5_000, key="topup-1")

    body = assert_error(failed, 503, "payment_gateway_unavailable")
    assert body["idempotency_key"] == "topup-1"
    assert int(failed["Retry-After"]) == body["retry_after"] >= 1
    settings.PAYMENT_GATEWAY = COUNTING
    assert post_charge(client, 5_000, key="topup-1").status_code == 201
    assert post_charge(client, 5_000, key="topup-1").status_code == 200
    customer.refresh_from_db()
    assert customer.balance == 5_000
    assert len(gateway_calls) == 2


def test_a_charge_without_a_key_gives_the_gateway_one_and_a_timeout_says_which_R17(
    client_for, make_customer, settings, gateway_calls
):
    customer = make_customer(Tier.PLUS)
    client = client_for(customer.user)
    assert post_charge(client, 2_000).status_code == 201
    assert post_charge(client, 2_000).status_code == 201  # no key: two charges, as asked
    (_, _, first_key), (_, _, second_key) = gateway_calls
    assert first_key and second_key and first_key != second_key

    settings.PAYMENT_GATEWAY = TIMING_OUT
    body = assert_error(post_charge(client, 3_000), 503, "payment_gateway_unavailable")
    settings.PAYMENT_GATEWAY = COUNTING
    assert post_charge(client, 3_000, key=body["idempotency_key"]).status_code == 201

    assert gateway_calls[2][2] == gateway_calls[3][2] == body["idempotency_key"]
    customer.refresh_from_db()
    assert customer.balance == 7_000


def test_a_declined_key_answers_the_same_decline_without_a_second_call_R17(
    client_for, make_customer, settings, gateway_calls
):
    customer = make_customer(Tier.PLUS)
    client = client_for(customer.user)
    settings.PAYMENT_GATEWAY = DECLINING

    first = assert_error(post_charge(client, 5_000, key="card-1"), 402, "payment_declined")
    settings.PAYMENT_GATEWAY = COUNTING  # even a gateway that would approve now is not asked again
    again = assert_error(post_charge(client, 5_000, key="card-1"), 402, "payment_declined")

    assert first == again and first["detail"] == "Card expired."
    assert len(gateway_calls) == 1
    assert credits(customer) == []
    assert post_charge(client, 5_000, key="card-2").status_code == 201  # a new key is a new attempt


# --- 50 real threads -------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_charges_with_one_key_call_the_gateway_once_R17_R19(make_customer, now, settings):
    """Today's bug: the gateway was called more than once (10,000 taken for a 5,000 credit)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    gateways.reset()
    settings.PAYMENT_GATEWAY = "billing.tests.gateways.SlowCountingGateway"
    customer = make_customer(Tier.PLUS, balance=1_000)
    threads_count = 50
    barrier = threading.Barrier(threads_count)
    outcomes: list[dict[str, Any]] = [{} for _ in range(threads_count)]

    def body(index: int) -> None:
        try:
            connection.ensure_connection()
            instance = Customer.objects.get(pk=customer.pk)
            barrier.wait(timeout=30)
            outcomes[index] = attempt(
                lambda: charge_wallet(customer=instance, amount=5_000, idempotency_key="same", now=now)
            )
        except BaseException as error:  # anything but a domain refusal fails the test
            outcomes[index] = {"error": repr(error)}
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads), "a thread hangs: deadlock or lock wait"
    assert not [o["error"] for o in outcomes if "error" in o]
    assert len(gateways.CALLS) == 1, f"the gateway was called {len(gateways.CALLS)} times"
    rows = credits(customer)
    assert len(rows) == 1 and rows[0].amount == 5_000
    answered = [o["value"] for o in outcomes if "value" in o]
    assert sum(result.created for result in answered) == 1
    assert {result.transaction.pk for result in answered} == {rows[0].pk}
    assert {o["refusal"].code for o in outcomes if "refusal" in o} <= {"charge_in_progress"}
    customer.refresh_from_db()
    ledger = list(WalletTransaction.objects.filter(customer=customer).values_list("amount", flat=True))
    assert customer.balance == sum(ledger) == 6_000
    gateways.reset()
