"""Wallet and subscription over REST: status codes and bodies (SPEC section 4, R5, R11, R17–R20, R26)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.models import TransactionKind, WalletTransaction
from bookstore.tests.api_assertions import assert_error, assert_invalid

pytestmark = pytest.mark.django_db

WALLET = "/api/v1/wallet/"
CHARGE = "/api/v1/wallet/charge/"
TRANSACTIONS = "/api/v1/wallet/transactions/"
SUBSCRIPTION = "/api/v1/subscription/"
TRANSACTION_FIELDS = {"id", "amount", "kind", "reference", "balance_after", "created_at"}
DAY = timedelta(days=1)


@pytest.fixture
def customer(make_customer):
    return make_customer(Tier.PLUS, balance=10_000)


@pytest.fixture
def others():
    """An author and an admin: users with no wallet."""
    return [AuthorFactory().user, UserFactory(role=Role.ADMIN)]


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
