"""R32: first in line with a wallet short of the price is told once: when the entry becomes first and
when the balance falls while it is first; never for a covered wallet or a paused place."""

from datetime import timedelta

import pytest

from accounts.models import Notification
from billing.services import buy_subscription
from catalog.tests.factories import BookFactory
from reservations.services import leave_queue, remove_from_queue_by_admin, reserve, return_reservation

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def warnings_of(customer) -> list[str]:
    return list(
        Notification.objects.filter(user=customer.user, kind=Notification.Kind.WALLET_SHORT).values_list(
            "message", flat=True
        )
    )


@pytest.fixture
def line(make_customer, now):
    """A one-unit book held by someone, and two Plus customers queued for 3 days (3,000 toman each)."""
    book = BookFactory(title="Suvashun", units=1)
    holder = make_customer("plus", balance=100_000)
    loan = reserve(customer=holder, book=book, days=7, now=now)
    first = make_customer("plus", balance=8_000)
    second = make_customer("plus", balance=8_000)
    first_entry = reserve(customer=first, book=book, days=3, now=now + MINUTE)
    second_entry = reserve(customer=second, book=book, days=3, now=now + 2 * MINUTE)
    return {"book": book, "holder": holder, "loan": loan, "first": first, "second": second,
            "first_entry": first_entry, "second_entry": second_entry}  # fmt: skip


def spend(customer, now, days: int = 6) -> None:
    """An instant reserve of a free book: a debit of 1,000 toman a day."""
    reserve(customer=customer, book=BookFactory(units=1), days=days, now=now)


def test_joining_with_a_covered_wallet_warns_nobody_R32(line):
    assert warnings_of(line["first"]) == [] and warnings_of(line["second"]) == []


def test_a_debit_that_leaves_the_first_short_warns_once_R32(line, now):
    spend(line["first"], now + 3 * MINUTE)  # 8,000 − 6,000 = 2,000 < 3,000
    assert warnings_of(line["first"]) == [
        "You are first in line for “Suvashun”, and your wallet does not cover the current price: "
        "keep at least 3,000 toman in it or you will be skipped. It holds 2,000 toman now."
    ]
    line["first_entry"].refresh_from_db()
    assert line["first_entry"].wallet_warned_at == now + 3 * MINUTE
    spend(line["first"], now + 4 * MINUTE, days=1)  # falls again: already told for this entry
    assert len(warnings_of(line["first"])) == 1


def test_a_debit_that_keeps_the_price_covered_warns_nobody_R32(line, now):
    spend(line["first"], now + 3 * MINUTE, days=5)  # 3,000 left: exactly the price
    assert warnings_of(line["first"]) == []


def test_a_short_wallet_second_in_line_is_warned_when_it_becomes_first_by_a_promotion_R32(line, now):
    spend(line["second"], now + 3 * MINUTE)  # short, but not first: nothing yet
    assert warnings_of(line["second"]) == []
    return_reservation(customer=line["holder"], reservation=line["loan"], now=now + 5 * MINUTE)  # first is served
    assert len(warnings_of(line["second"])) == 1 and warnings_of(line["first"]) == []


@pytest.mark.parametrize("leaves", ["customer", "admin"])
def test_a_short_wallet_is_warned_when_the_one_ahead_leaves_the_queue_R32(line, now, leaves):
    spend(line["second"], now + 3 * MINUTE)
    if leaves == "customer":
        leave_queue(customer=line["first"], reservation=line["first_entry"], now=now + 4 * MINUTE)
    else:
        remove_from_queue_by_admin(reservation=line["first_entry"], now=now + 4 * MINUTE)
    assert len(warnings_of(line["second"])) == 1


def test_a_paused_place_is_not_warned_and_the_next_waiting_one_is_first_R30_R32(line, now):
    from reservations.models import Reservation

    Reservation.objects.filter(pk=line["first_entry"].pk).update(paused_until=now + timedelta(days=5))
    spend(line["first"], now + 3 * MINUTE)  # paused: not waiting, so not first
    assert warnings_of(line["first"]) == []
    spend(line["second"], now + 4 * MINUTE)  # the first waiting place
    assert len(warnings_of(line["second"])) == 1


def test_a_subscription_purchase_that_leaves_the_first_short_warns_R32(line, now, fund):
    fund(line["first"], 45_000)  # 53,000: a month of Plus leaves 3,000, then 2 months more leave less
    buy_subscription(customer=line["first"], tier="plus", months=1, now=now + 3 * MINUTE)
    assert warnings_of(line["first"]) == []
    fund(line["first"], 49_000)  # 52,000
    buy_subscription(customer=line["first"], tier="plus", months=1, now=now + 4 * MINUTE)  # 2,000 left
    assert len(warnings_of(line["first"])) == 1


def test_the_warning_speaks_the_customers_language_R32_R40(line, now):
    user = line["first"].user
    user.language = "fa"
    user.save(update_fields=["language"])
    spend(line["first"], now + 3 * MINUTE)
    (message,) = warnings_of(line["first"])
    assert "نفر اول صف «Suvashun»" in message and "۳٬۰۰۰ تومان" in message and "۲٬۰۰۰ تومان" in message


def test_pausing_the_first_place_warns_the_next_when_short_R30_R32(line, now):
    from reservations.pauses import pause

    spend(line["second"], now + 3 * MINUTE)  # second is not first yet: nobody told
    assert warnings_of(line["second"]) == []
    pause(customer=line["first"], reservation=line["first_entry"], until=(now + timedelta(days=3)).date(), now=now)
    assert len(warnings_of(line["second"])) == 1 and warnings_of(line["first"]) == []


def test_resuming_a_place_that_becomes_first_warns_it_when_short_R30_R32(line, now):
    from reservations.pauses import pause, resume

    pause(customer=line["first"], reservation=line["first_entry"], until=(now + timedelta(days=3)).date(), now=now)
    spend(line["first"], now + 3 * MINUTE)  # paused: not first, not told
    assert warnings_of(line["first"]) == []
    resume(customer=line["first"], reservation=line["first_entry"], now=now + 4 * MINUTE)
    assert len(warnings_of(line["first"])) == 1
