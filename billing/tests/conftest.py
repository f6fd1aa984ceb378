"""Fixtures of the billing tests: a gateway that counts its calls (R17)."""

import pytest

from billing.tests import gateways

COUNTING = "billing.tests.gateways.CountingGateway"


@pytest.fixture
def gateway_calls(settings) -> list[tuple[int, int, str]]:
    """Switch to the CountingGateway; the list of its calls: (customer_id, amount, idempotency_key)."""
    gateways.reset()
    settings.PAYMENT_GATEWAY = COUNTING
    yield gateways.CALLS
    gateways.reset()
