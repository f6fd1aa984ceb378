"""A queued customer is warned when the wallet would not pay for the loan at promotion (issue 17).

Promotion charges the loan (R9, R13), and a wallet short of the price drops the entry
from the queue. My reservations names each queue row's price and marks the ones the
wallet does not cover; the subscription confirm page warns before a payment leaves the
wallet short (reservations.wallet_cover).
"""

import pytest

from accounts.models import Tier
from reservations.models import Status
from reservations.services import reserve
from reservations.wallet_cover import queued_costs, uncovered_total

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(make_book, make_customer, now):
    """A Plus customer queued for 5 days (5,000 toman at promotion) left with `balance` in the wallet.

    Joining needs the price in the wallet (R11); the customer then spends on a loan of another book.
    """

    def _queued(balance: int):
        book = make_book(units=1, title="Kelidar")
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=3, now=now)
        customer = make_customer(Tier.PLUS, balance=10_000)
        entry = reserve(customer=customer, book=book, days=5, now=now)
        assert entry.status == Status.QUEUED
        days_to_spend = (10_000 - balance) // 1_000
        while days_to_spend:  # loans of at most 5 days (Plus allows 7)
            days = min(days_to_spend, 5)
            reserve(customer=customer, book=make_book(units=1), days=days, now=now)
            days_to_spend -= days
        customer.refresh_from_db()
        assert customer.balance == balance
        return customer

    return _queued


def test_a_wallet_short_of_the_queued_price_is_marked_with_the_amount_to_charge(client, queued, now):
    customer = queued(balance=2_000)
    costs = queued_costs(customer, now)
    assert [(cost.price, cost.covered) for cost in costs] == [(5_000, False)]
    assert uncovered_total(costs, customer.balance) == 3_000

    client.force_login(customer.user)
    page = client.get("/reservations/").content.decode()
    assert "5,000 toman when it reaches you" in page
    assert "Your wallet does not cover it" in page
    assert "Your wallet lacks 3,000 toman for the ones marked." in page
    assert 'href="/wallet/?amount=' in page  # the charge form, filled in (R11)


def test_a_wallet_that_covers_the_queue_shows_the_price_and_no_warning(client, queued):
    customer = queued(balance=5_000)
    client.force_login(customer.user)
    page = client.get("/reservations/").content.decode()
    assert "5,000 toman when it reaches you" in page
    assert "Your wallet does not cover it" not in page and "queue-shortfall" not in page


def test_entries_are_covered_in_turn_from_what_the_ones_before_left(make_book, make_customer, now):
    customer = make_customer(Tier.PREMIUM, balance=10_000)
    for title in ("First", "Second"):
        book = make_book(units=1, title=title)
        reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
        reserve(customer=customer, book=book, days=4, now=now)
    reserve(customer=customer, book=make_book(units=1), days=3, now=now)  # leaves 7,000
    customer.refresh_from_db()
    costs = queued_costs(customer, now)
    assert [(cost.reservation.book.title, cost.price, cost.covered) for cost in costs] == [
        ("First", 4_000, True),
        ("Second", 4_000, False),
    ]
    assert uncovered_total(costs, 7_000) == 1_000


def test_the_warning_speaks_persian(client, queued):
    customer = queued(balance=0)
    client.force_login(customer.user)
    page = client.get("/reservations/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "کیف پول شما هزینهٔ آن را پوشش نمی‌دهد" in page and "۵٬۰۰۰ تومان" in page
