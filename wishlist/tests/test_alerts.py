"""R38's alerts: a wished book free to borrow, or back in stock, told once until it runs out again."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification, Tier
from catalog.models import Book, lock_book
from catalog.services import update_book
from reservations.expiry import expire_due_reservations
from reservations.models import Status
from reservations.services import end_reservation_by_admin, reserve, return_reservation, set_book_units
from wishlist.alerts import alert_free_unit
from wishlist.models import WishedBook
from wishlist.services import add_wish

from .conftest import alerts

pytestmark = pytest.mark.django_db

FREE, IN_STOCK = Notification.Kind.WISHED_FREE, Notification.Kind.WISHED_IN_STOCK


@pytest.fixture
def lent_book(make_customer, make_book, now):
    """A one-unit book, no stock, lent for 7 days: (book, holder, loan)."""
    book = make_book(units=1, stock=0, title="Savushun")
    holder = make_customer(Tier.PLUS, balance=50_000)
    return book, holder, reserve(customer=holder, book=book, days=7, now=now)


@pytest.fixture
def wisher(make_customer, lent_book, now):
    """A Free customer who wished the lent book."""
    customer = make_customer(Tier.FREE)
    add_wish(customer=customer, book=lent_book[0], now=now)
    return customer


def restock(book: Book, quantity: int) -> None:
    """As the shop's order cancel does (R36): the row locked, ``Book.restock`` in its transaction."""
    with transaction.atomic():
        lock_book(book).restock(quantity)


def test_a_return_with_an_empty_queue_tells_the_wisher_R38(lent_book, wisher, now):
    book, holder, loan = lent_book
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))

    [alert] = alerts(wisher)
    assert "Savushun" in alert.message and "free to borrow" in alert.message
    entry = WishedBook.objects.get(customer=wisher)
    assert entry.free_alerted_at == now + timedelta(hours=1)
    assert entry.stock_alerted_at is None
    assert alerts(holder) == []  # the holder did not wish it


def test_no_alert_when_the_queue_takes_the_unit_R38_R13(lent_book, wisher, make_customer, now):
    book, holder, loan = lent_book
    queued = reserve(customer=make_customer(Tier.PLUS, balance=50_000), book=book, days=2, now=now)
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))

    queued.refresh_from_db()
    assert queued.status == Status.ACTIVE
    assert alerts(wisher) == []
    assert WishedBook.objects.get(customer=wisher).free_alerted_at is None


def test_a_wisher_who_holds_or_waits_for_the_book_is_not_told_R38(lent_book, make_customer, make_book, now):
    book, holder, loan = lent_book
    book.units = 3
    book.save(update_fields=["units"])
    waiter = make_customer(Tier.PLUS, balance=50_000)
    other_holder = make_customer(Tier.PLUS, balance=50_000)
    reserve(customer=other_holder, book=book, days=3, now=now)
    reserve(customer=make_customer(Tier.PLUS, balance=50_000), book=book, days=3, now=now)
    queued = reserve(customer=waiter, book=book, days=3, now=now)
    assert queued.status == Status.QUEUED
    for customer in (waiter, other_holder):
        add_wish(customer=customer, book=book, now=now)
    outsider = make_customer(Tier.FREE)
    add_wish(customer=outsider, book=book, now=now)
    # The waiter pauses: a paused place still waits for the book (R30).
    queued.paused_until = now + timedelta(days=3)
    queued.save(update_fields=["paused_until"])

    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))

    assert Book.objects.get(pk=book.pk).free_units == 1  # the paused place was skipped
    assert alerts(waiter) == [] and alerts(other_holder) == []
    assert len(alerts(outsider)) == 1
    assert WishedBook.objects.get(customer=waiter).free_alerted_at is None


def test_told_once_until_it_runs_out_again_R38(lent_book, wisher, make_customer, now):
    book, holder, loan = lent_book
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))
    assert len(alerts(wisher)) == 1

    # Lending the last free unit is running out; its return is a new alert.
    second = reserve(customer=holder, book=book, days=2, now=now + timedelta(hours=2))
    assert WishedBook.objects.get(customer=wisher).free_alerted_at is None
    return_reservation(customer=holder, reservation=second, now=now + timedelta(hours=3))
    assert len(alerts(wisher)) == 2


def test_two_returns_without_running_out_tell_once_R38(make_customer, make_book, now):
    book = make_book(units=2, stock=0)
    holders = [make_customer(Tier.PLUS, balance=50_000) for _ in range(2)]
    loans = [reserve(customer=holder, book=book, days=5, now=now) for holder in holders]
    wisher = make_customer(Tier.FREE)
    add_wish(customer=wisher, book=book, now=now)

    for hour, (holder, loan) in enumerate(zip(holders, loans, strict=True), start=1):
        return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=hour))

    assert len(alerts(wisher)) == 1


def test_expiry_admin_end_and_units_raised_tell_too_R38(lent_book, wisher, make_customer, admin_user, now):
    book, holder, loan = lent_book
    # Expiry, by the sweep (no queue: nothing to serve, the unit stays free).
    assert expire_due_reservations(now=now + timedelta(days=8)) == 1
    assert len(alerts(wisher)) == 1

    # An admin's end, after the book ran out again.
    loan = reserve(customer=holder, book=book, days=2, now=now + timedelta(days=9))
    end_reservation_by_admin(reservation=loan, now=now + timedelta(days=9, hours=1))
    assert len(alerts(wisher)) == 2

    # Units lowered to those on loan count as running out; units raised free one again.
    reserve(customer=holder, book=book, days=2, now=now + timedelta(days=10))
    set_book_units(book=book, units=2, now=now + timedelta(days=10))
    assert len(alerts(wisher)) == 3
    set_book_units(book=book, units=1, now=now + timedelta(days=10, hours=1))
    assert WishedBook.objects.get(customer=wisher).free_alerted_at is None
    update_book(book=book, by=admin_user, data={"units": 3}, now=now + timedelta(days=10, hours=2))
    assert len(alerts(wisher)) == 4


def test_wishing_an_available_book_waits_for_it_to_run_out_R38(make_customer, make_book, now):
    book = make_book(units=1, stock=2)
    wisher = make_customer(Tier.FREE)
    entry, created = add_wish(customer=wisher, book=book, now=now)
    assert created and entry.free_alerted_at == now and entry.stock_alerted_at == now

    holder = make_customer(Tier.PLUS, balance=50_000)
    loan = reserve(customer=holder, book=book, days=2, now=now)  # the last free unit: ran out
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))
    restock(book, 1)  # 2 -> 3 is not "back"

    assert len(alerts(wisher)) == 1
    assert alerts(wisher, IN_STOCK) == []


def test_back_in_stock_after_a_stock_edit_R38(make_customer, make_book, admin_user, now):
    book = make_book(units=1, stock=0, title="Kelidar")
    wisher = make_customer(Tier.FREE)
    add_wish(customer=wisher, book=book, now=now)

    update_book(book=book, by=admin_user, data={"stock": 4}, now=now)
    update_book(book=book, by=admin_user, data={"stock": 6}, now=now)

    [alert] = alerts(wisher, IN_STOCK)
    assert "Kelidar" in alert.message and "back in stock" in alert.message
    assert alerts(wisher, FREE) == []  # a free unit is another alert, not told here
    assert WishedBook.objects.get(customer=wisher).stock_alerted_at is not None


def test_back_in_stock_after_an_order_cancel_and_again_after_selling_out_R38(make_customer, make_book, now):
    book = make_book(units=1, stock=0)
    wisher = make_customer(Tier.FREE)
    add_wish(customer=wisher, book=book, now=now)

    restock(book, 2)  # a cancelled order's copies come back (R36)
    assert len(alerts(wisher, IN_STOCK)) == 1
    restock(book, 1)
    assert len(alerts(wisher, IN_STOCK)) == 1

    with transaction.atomic():
        lock_book(book).sell(3)  # the last copies sold: sold out
    assert WishedBook.objects.get(customer=wisher).stock_alerted_at is None
    restock(book, 1)
    assert len(alerts(wisher, IN_STOCK)) == 2


def test_the_two_alerts_are_independent_R38(lent_book, wisher, admin_user, now):
    book, holder, loan = lent_book
    restock(book, 1)
    assert [len(alerts(wisher, FREE)), len(alerts(wisher, IN_STOCK))] == [0, 1]
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))
    assert [len(alerts(wisher, FREE)), len(alerts(wisher, IN_STOCK))] == [1, 1]
    # Selling out leaves the free alert's state alone, and lending out the stock's.
    update_book(book=book, by=admin_user, data={"stock": 0}, now=now)
    entry = WishedBook.objects.get(customer=wisher)
    assert entry.stock_alerted_at is None and entry.free_alerted_at is not None
    reserve(customer=holder, book=book, days=2, now=now + timedelta(hours=2))
    restock(book, 1)
    entry.refresh_from_db()
    assert entry.free_alerted_at is None and entry.stock_alerted_at is not None
    assert [len(alerts(wisher, FREE)), len(alerts(wisher, IN_STOCK))] == [1, 2]


def test_the_alert_speaks_the_wishers_language_R38_R40(lent_book, make_customer, now):
    book, holder, loan = lent_book
    persian = make_customer(Tier.FREE, user__language="fa")
    english = make_customer(Tier.FREE, user__language="en")
    for customer in (persian, english):
        add_wish(customer=customer, book=book, now=now)
    return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))

    assert "free to borrow" in alerts(english)[0].message
    [fa] = alerts(persian)
    assert "Savushun" in fa.message and "free to borrow" not in fa.message


def test_the_alert_is_sent_only_after_commit_R38(
    lent_book, wisher, make_customer, now, django_capture_on_commit_callbacks
):
    book, holder, loan = lent_book
    other = make_customer(Tier.FREE)
    add_wish(customer=other, book=book, now=now)
    with django_capture_on_commit_callbacks() as callbacks:
        return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))
    # Stored in the release's transaction, one send per wisher scheduled for after commit.
    assert len(alerts(wisher)) == len(alerts(other)) == 1
    assert len(callbacks) >= 2


def test_a_rolled_back_release_tells_nobody_R38(lent_book, wisher, now, django_capture_on_commit_callbacks):
    book, holder, loan = lent_book
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        return_reservation(customer=holder, reservation=loan, now=now + timedelta(hours=1))
        raise RuntimeError("the release fails after the alert")
    assert callbacks == []
    assert alerts(wisher) == []
    assert WishedBook.objects.get(customer=wisher).free_alerted_at is None


def test_a_book_nobody_wished_costs_one_lookup_R38(make_book, now):
    book = make_book(units=1)
    with CaptureQueriesContext(connection) as queries:
        assert alert_free_unit(book=book, now=now) == 0
    assert len(queries) == 1
    assert "wishlist_wishedbook" in queries[0]["sql"]


def test_a_thousand_wishers_are_told_in_a_few_statements_R38(make_customer, make_book, now):
    from accounts.tests.factories import CustomerFactory

    book = make_book(units=1)
    customers = CustomerFactory.create_batch(1000, tier=Tier.FREE)
    WishedBook.objects.bulk_create([WishedBook(customer=c, book=book, added_at=now) for c in customers])
    with CaptureQueriesContext(connection) as queries:
        assert alert_free_unit(book=book, now=now) == 1000
    assert len(queries) <= 4  # the lookup, one INSERT of the notifications, one UPDATE (and a SET LOCAL)
    assert Notification.objects.filter(kind=FREE).count() == 1000
    assert not WishedBook.objects.filter(free_alerted_at__isnull=True).exists()
