"""The subscription confirm page warns when paying would leave the wallet short of the queued loans (issue 17).

A Plus customer queued for a book upgrades to Premium: what is left after the payment
may not pay for the loan when it reaches them, and R13 then drops them from the queue.
The warning is reservations' ``{% queued_cost_warning %}`` on billing's page.
"""

from datetime import timedelta

import pytest

from accounts.models import Tier
from accounts.tests.conftest import text_of
from reservations.models import Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_plus_customer(make_book, make_customer, now):
    def _make(balance: int):
        book = make_book(units=1, title="Kelidar")
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
        customer = make_customer(Tier.PLUS, balance=balance, ends_in=timedelta(days=1))
        assert reserve(customer=customer, book=book, days=5, now=now).status == Status.QUEUED
        return customer

    return _make


def test_an_upgrade_that_leaves_too_little_for_the_queued_loan_is_warned_with_the_charge_to_make(
    client, queued_plus_customer
):
    customer = queued_plus_customer(balance=201_000)
    client.force_login(customer.user)
    response = client.get("/subscription/confirm/", {"tier": "premium", "months": "1"})
    assert response.status_code == 200
    text = text_of(response)
    assert "too little for these queued reservations when they reach you" in text
    assert "Kelidar" in text and "5,000 toman" in text
    assert 'href="/wallet/?amount=' in response.content.decode()
    assert 'action="/subscription/buy/"' in response.content.decode()  # a warning, not a refusal


def test_an_upgrade_that_leaves_enough_says_nothing_of_the_queue(client, queued_plus_customer):
    customer = queued_plus_customer(balance=260_000)
    client.force_login(customer.user)
    response = client.get("/subscription/confirm/", {"tier": "premium", "months": "1"})
    assert response.status_code == 200
    assert "queued-cost-warning" not in response.content.decode()
