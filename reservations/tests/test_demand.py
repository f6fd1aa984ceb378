"""The demand figures of R33 on a hand-made set: units, on loan, queued, median wait, buy; sorting."""

from datetime import timedelta

import pytest

from catalog.tests.factories import BookFactory
from reservations.demand import demand, demand_rows, most_wanted
from reservations.models import Reservation
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves(make_customer, now):
    """Three lent books and a withdrawn one, with queues, promotions and a paused place.

    - Wanted (1 unit): two promotions 10 days ago after waits of 2 and 4 days (median 3),
      one 40 days ago after 5 days (outside the window); 4 waiting and 1 paused now.
    - Quiet (2 units): one loan, nobody waiting.
    - Unowned (0 units): 3 waiting.
    """
    plus = lambda: make_customer("plus", balance=100_000)  # noqa: E731
    start = now - timedelta(days=10)
    wanted = BookFactory(title="Wanted", units=1)

    old = reserve(customer=plus(), book=wanted, days=7, now=now - timedelta(days=45))
    old_waiter = reserve(customer=plus(), book=wanted, days=1, now=now - timedelta(days=45))
    return_reservation(customer=old.customer, reservation=old, now=now - timedelta(days=40))  # waited 5 days
    first = reserve(customer=plus(), book=wanted, days=7, now=start)  # instant: no wait counted
    second = reserve(customer=plus(), book=wanted, days=7, now=start)
    third = reserve(customer=plus(), book=wanted, days=7, now=start)
    return_reservation(customer=first.customer, reservation=first, now=start + timedelta(days=2))
    return_reservation(customer=second.customer, reservation=second, now=start + timedelta(days=4))
    for hours in (5, 4, 3, 2, 1):
        reserve(customer=plus(), book=wanted, days=3, now=now - timedelta(hours=hours))
    paused = Reservation.objects.filter(book=wanted, status="queued").latest("requested_at")
    Reservation.objects.filter(pk=paused.pk).update(paused_until=now + timedelta(days=3))

    quiet = BookFactory(title="Quiet", units=2)
    reserve(customer=plus(), book=quiet, days=3, now=now - timedelta(days=1))
    unowned = BookFactory(title="Unowned", units=0)
    for _ in range(3):
        reserve(customer=plus(), book=unowned, days=2, now=now - timedelta(hours=1))
    withdrawn = BookFactory(title="Withdrawn", units=1, withdrawn_at=now)
    assert old_waiter.pk and third.pk
    return {"wanted": wanted, "quiet": quiet, "unowned": unowned, "withdrawn": withdrawn}


def _by_title(now, **kwargs):
    return {row.title: row for row in demand_rows(now=now, **kwargs)}


def test_each_books_units_loans_queue_median_wait_and_buy_R33(shelves, now):
    rows = _by_title(now)
    assert "Withdrawn" not in rows  # R28: lent no more
    wanted = rows["Wanted"]
    assert wanted.book == shelves["wanted"].pk
    assert (wanted.units, wanted.on_loan, wanted.queued, wanted.paused) == (1, 1, 4, 1)
    assert wanted.queued_per_unit == 4.0
    assert wanted.median_wait_days == 3.0  # 2 and 4 days; the 5-day wait of 40 days ago is out of the window
    assert wanted.buy == 1  # ⌈4 / 3⌉ − 1
    quiet = rows["Quiet"]
    assert (quiet.units, quiet.on_loan, quiet.queued, quiet.queued_per_unit, quiet.median_wait_days, quiet.buy) == (
        2, 1, 0, 0.0, None, 0
    )  # fmt: skip
    unowned = rows["Unowned"]
    assert (unowned.units, unowned.queued, unowned.queued_per_unit, unowned.buy) == (0, 3, None, 1)  # ⌈3 / 3⌉ − 0


@pytest.mark.parametrize(("per_unit", "wanted", "unowned"), [(1, 3, 3), (2, 1, 2), (3, 1, 1), (4, 0, 1), (10, 0, 1)])
def test_buy_rounds_up_to_the_queue_per_unit_setting_R33(shelves, now, settings, per_unit, wanted, unowned):
    settings.DEMAND_QUEUE_PER_UNIT = per_unit
    rows = _by_title(now)
    assert (rows["Wanted"].buy, rows["Unowned"].buy, rows["Quiet"].buy) == (wanted, unowned, 0)


def test_a_median_of_an_odd_count_is_the_middle_wait_R33(make_customer, now):
    book = BookFactory(title="Odd", units=1)
    start = now - timedelta(days=20)
    holder = reserve(customer=make_customer("plus", balance=100_000), book=book, days=7, now=start)
    waiting = [reserve(customer=make_customer("plus", balance=100_000), book=book, days=7, now=start) for _ in "abc"]
    for loan, after in zip([holder, *waiting[:2]], (1, 2, 6), strict=True):  # waits of 1, 2 and 6 days
        loan.refresh_from_db()
        return_reservation(customer=loan.customer, reservation=loan, now=start + timedelta(days=after))
    assert _by_title(now)["Odd"].median_wait_days == 2.0


@pytest.mark.parametrize(
    ("ordering", "titles"),
    [
        (None, ["Wanted", "Unowned", "Quiet"]),  # most to buy, then longest queue
        ("title", ["Quiet", "Unowned", "Wanted"]),
        ("-title", ["Wanted", "Unowned", "Quiet"]),
        ("queued", ["Quiet", "Unowned", "Wanted"]),
        ("-queued", ["Wanted", "Unowned", "Quiet"]),
        ("units", ["Unowned", "Wanted", "Quiet"]),
        ("-on_loan", ["Quiet", "Wanted", "Unowned"]),
        ("-queued_per_unit", ["Wanted", "Quiet", "Unowned"]),  # no ratio (no unit) last
        ("median_wait_days", ["Wanted", "Quiet", "Unowned"]),  # no figure last, ties by title
        ("-paused", ["Wanted", "Quiet", "Unowned"]),
        ("book", ["Wanted", "Quiet", "Unowned"]),
        ("nonsense", ["Wanted", "Unowned", "Quiet"]),
    ],
)
def test_the_report_sorts_by_each_column_R33(shelves, now, ordering, titles):
    assert [row.title for row in demand_rows(now=now, ordering=ordering)] == titles


def test_the_whole_report_is_one_query_R33(shelves, now, django_assert_num_queries):
    with django_assert_num_queries(1):
        demand_rows(now=now, ordering="-median_wait_days")
    assert demand(now=now).count() == 3


def test_most_wanted_lists_only_books_with_customers_waiting(shelves, now):
    assert [(row.title, row.queued) for row in most_wanted(now=now)] == [("Wanted", 4), ("Unowned", 3)]
    assert [row.title for row in most_wanted(now=now, limit=1)] == ["Wanted"]
