"""The wallet over REST: its balance and ledger, charging it (SPEC section 4, R11, R17, R19, R22, R26)."""

import pytest

from accounts.models import Tier
from billing.models import TransactionKind, WalletTransaction
from bookstore.tests.api_assertions import assert_error, assert_invalid

pytestmark = pytest.mark.django_db

WALLET = "/api/v1/wallet/"
CHARGE = "/api/v1/wallet/charge/"
TRANSACTIONS = "/api/v1/wallet/transactions/"
SUBSCRIPTION = "/api/v1/subscription/"
TRANSACTION_FIELDS = {"id", "amount", "kind", "reference", "balance_after", "created_at"}


@pytest.fixture
def customer(make_customer):
    return make_customer(Tier.PLUS, balance=10_000)


def charge(client, amount, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(CHARGE, {"amount": amount}, format="json", **headers)


# --- GET wallet/ --------------------------------------------------------------------


def test_wallet_shows_balance_and_ledger_newest_first_R19(client_for, customer, make_customer, fund):
    fund(customer, 5_000)
    fund(make_customer(Tier.PLUS), 7_000)  # someone else's ledger stays out

    response = client_for(customer.user).get(WALLET)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"balance", "transactions"}
    assert body["balance"] == 15_000
    assert isinstance(body["transactions"], list)  # SPEC's Wallet: a plain list, not a page
    newest, oldest = body["transactions"]
    assert set(newest) == TRANSACTION_FIELDS
    assert (newest["amount"], newest["kind"], newest["balance_after"]) == (5_000, "charge", 15_000)
    assert (oldest["amount"], oldest["balance_after"]) == (10_000, 10_000)
    assert sum(row["amount"] for row in body["transactions"]) == body["balance"]


def test_wallet_lists_the_newest_twenty_transactions(client_for, customer, fund):
    for _ in range(24):
        fund(customer, 1_000)

    body = client_for(customer.user).get(WALLET, {"page": 2, "page_size": 2}).json()  # no paging here

    assert len(body["transactions"]) == 20
    assert [row["balance_after"] for row in body["transactions"]] == list(range(34_000, 14_000, -1_000))


def test_wallet_transactions_page_through_the_whole_ledger(client_for, customer, fund, make_customer):
    for _ in range(3):
        fund(customer, 1_000)
    fund(make_customer(Tier.PLUS), 7_000)
    client = client_for(customer.user)

    first = client.get(TRANSACTIONS, {"page_size": 2})
    last = client.get(TRANSACTIONS, {"page_size": 2, "page": 2}).json()

    assert first.status_code == 200, first.content
    first = first.json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"] and first["previous"] is None
    assert set(first["results"][0]) == TRANSACTION_FIELDS
    assert len(last["results"]) == 2 and last["next"] is None and last["previous"]
    balances = [row["balance_after"] for row in first["results"] + last["results"]]
    assert balances == [13_000, 12_000, 11_000, 10_000]  # newest first
    assert_error(client.get(TRANSACTIONS, {"page": 5}), 404, "not_found")
    assert len(client.get(TRANSACTIONS).json()["results"]) == 4  # 20 a page by default


def test_wallet_of_a_new_customer_is_empty(client_for, make_customer):
    client = client_for(make_customer(Tier.FREE).user)

    assert client.get(WALLET).json() == {"balance": 0, "transactions": []}
    assert client.get(TRANSACTIONS).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_only_customers_have_a_wallet_R22(client_for, api_client, others):
    for user in others:
        assert_error(client_for(user).get(WALLET), 403, "permission_denied")
        assert_error(client_for(user).get(TRANSACTIONS), 403, "permission_denied")
        assert_error(charge(client_for(user), 5_000), 403, "permission_denied")
    assert_error(api_client.get(WALLET), 401, "not_authenticated")
    assert_error(api_client.get(TRANSACTIONS), 401, "not_authenticated")
    assert_error(charge(api_client, 5_000), 401, "not_authenticated")
    assert not WalletTransaction.objects.exists()


# --- POST wallet/charge/ ------------------------------------------------------------


def test_charge_answers_201_with_balance_and_transaction_R17(client_for, customer, assert_wallet_consistent):
    response = charge(client_for(customer.user), 25_000)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"balance", "transaction"}
    assert body["balance"] == 35_000
    assert set(body["transaction"]) == TRANSACTION_FIELDS
    assert (body["transaction"]["amount"], body["transaction"]["kind"]) == (25_000, TransactionKind.CHARGE)
    assert body["transaction"]["balance_after"] == 35_000
    assert_wallet_consistent(customer)
    assert customer.balance == 35_000


@pytest.mark.parametrize("amount", [1_000, 100_000_000])
def test_charge_accepts_the_bounds_R17(client_for, customer, amount):
    assert charge(client_for(customer.user), amount).status_code == 201


def test_repeated_idempotency_key_charges_once_and_returns_the_first_result_R17(
    client_for, customer, assert_wallet_consistent
):
    client = client_for(customer.user)

    first = charge(client, 20_000, key="order-42")
    again = charge(client, 20_000, key="order-42")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert WalletTransaction.objects.filter(customer=customer, kind=TransactionKind.CHARGE).count() == 2
    assert_wallet_consistent(customer)
    assert customer.balance == 30_000


def test_replay_returns_the_first_balance_even_after_later_changes_R17(client_for, customer):
    client = client_for(customer.user)
    first = charge(client, 20_000, key="k1").json()
    charge(client, 5_000)

    again = charge(client, 20_000, key="k1")

    assert again.status_code == 200 and again.json() == first


def test_distinct_keys_charge_twice_R17(client_for, customer):
    client = client_for(customer.user)

    assert charge(client, 2_000, key="a").status_code == 201
    assert charge(client, 2_000, key="b").status_code == 201
    customer.refresh_from_db()
    assert customer.balance == 14_000


def test_a_key_is_scoped_to_its_customer_R17(client_for, customer, make_customer):
    other = make_customer(Tier.PLUS)

    assert charge(client_for(customer.user), 3_000, key="same").status_code == 201
    assert charge(client_for(other.user), 3_000, key="same").status_code == 201
    other.refresh_from_db()
    assert other.balance == 3_000


def test_a_key_reused_for_another_amount_gets_409_R17(client_for, customer):
    client = client_for(customer.user)
    charge(client, 2_000, key="k")

    assert_error(charge(client, 3_000, key="k"), 409, "idempotency_key_reused")
    customer.refresh_from_db()
    assert customer.balance == 12_000


@pytest.mark.parametrize(
    "key", ["", "k" * 256, "a\x00b", "line\nbreak", "é"], ids=["empty", "too-long", "nul", "newline", "non-ascii"]
)
def test_a_bad_idempotency_key_gets_400_R17(client_for, customer, key):
    assert_error(charge(client_for(customer.user), 2_000, key=key), 400, "invalid_idempotency_key")
    customer.refresh_from_db()
    assert customer.balance == 10_000


@pytest.mark.parametrize("amount", [999, 0, -5_000, 100_000_001, 10**30])
def test_amount_out_of_range_gets_400_invalid_amount_R17(client_for, customer, amount):
    body = assert_error(charge(client_for(customer.user), amount), 400, "invalid_amount")

    assert set(body) == {"detail", "code"}
    assert WalletTransaction.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize(
    "amount",
    ["1e9", 2.5, True, False, "abc", None, "", "9" * 10_000, [5_000], {"toman": 5_000}],
    ids=["exponent", "float", "true", "false", "text", "null", "empty", "10kB", "list", "object"],
)
def test_amount_of_the_wrong_type_gets_400_R26(client_for, customer, amount):
    assert_invalid(charge(client_for(customer.user), amount), "amount")
    assert WalletTransaction.objects.filter(customer=customer).count() == 1


def test_charge_refuses_missing_and_unknown_fields_R26(client_for, customer):
    client = client_for(customer.user)

    assert_invalid(client.post(CHARGE, {}, format="json"), "amount")
    assert_invalid(client.post(CHARGE, {"amount": 5_000, "balance": 10**9}, format="json"), "balance")


def test_charge_with_malformed_json_gets_400_parse_error_R26(client_for, customer):
    response = client_for(customer.user).post(CHARGE, '{"amount": ', content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_declined_payment_gets_402_and_charges_nothing_R17(client_for, customer, settings):
    settings.PAYMENT_GATEWAY = "billing.gateways.DecliningGateway"

    body = assert_error(charge(client_for(customer.user), 5_000), 402, "payment_declined")

    assert "charge_url" not in body
    customer.refresh_from_db()
    assert customer.balance == 10_000


def test_the_charge_url_of_R11_charges_the_shortfall(client_for, make_customer):
    """Following charge_url from a 402 tops the wallet up by the shortfall, and the retry succeeds."""
    poor = make_customer(Tier.FREE, balance=20_000)
    client = client_for(poor.user)
    refusal = client.post(SUBSCRIPTION, {"tier": "plus", "months": 1}, format="json").json()
    path, _, query = refusal["charge_url"].partition("?")
    amount = int(query.removeprefix("amount="))

    assert path == CHARGE and amount == refusal["shortfall"] == 30_000
    assert charge(client, amount).status_code == 201
    assert client.post(SUBSCRIPTION, {"tier": "plus", "months": 1}, format="json").status_code == 200
