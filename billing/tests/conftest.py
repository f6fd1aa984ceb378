"""Fixtures of the billing tests: a gateway that counts its calls (R17), users with no wallet; a customer's ledger.

The helpers are plain functions, imported from here: ``from billing.tests.conftest import ledger, snapshot``.
"""

import pytest

from accounts.models import Role
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.models import WalletTransaction
from billing.tests import gateways

COUNTING = "billing.tests.gateways.CountingGateway"


@pytest.fixture
def gateway_calls(settings) -> list[tuple[int, int, str]]:
    """Switch to the CountingGateway; the list of its calls: (customer_id, amount, idempotency_key)."""
    gateways.reset()
    settings.PAYMENT_GATEWAY = COUNTING
    yield gateways.CALLS
    gateways.reset()


@pytest.fixture
def others():
    """An author and an admin: users with no wallet."""
    return [AuthorFactory().user, UserFactory(role=Role.ADMIN)]


def ledger(customer) -> list[WalletTransaction]:
    """The customer's ledger rows in the order they were written."""
    return list(WalletTransaction.objects.filter(customer=customer).order_by("created_at", "id"))


def snapshot(customer) -> tuple:
    """What a refused operation must leave unchanged: tier, end, balance and ledger."""
    customer.refresh_from_db()
    rows = [(row.pk, row.amount, row.kind) for row in ledger(customer)]
    return customer.tier, customer.subscription_ends_at, customer.auto_renew, customer.balance, rows
