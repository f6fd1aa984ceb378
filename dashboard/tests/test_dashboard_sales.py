"""The dashboard's sales beside loans and revenue (issue 19 item 7; R35, R36, R7).

A day's sales are the orders placed that day and not cancelled since: how many, the
copies in them and their totals; their payments are in the day's revenue too.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.tests.factories import BookFactory
from dashboard.views import daily_activity
from shop.checkout import checkout
from shop.orders import cancel_order
from shop.services import add_to_cart

pytestmark = pytest.mark.django_db


def buy(customer, lines, *, at):
    for book, quantity in lines:
        add_to_cart(customer=customer, book=book, quantity=quantity)
    return checkout(customer=customer, now=at).order


@pytest.fixture
def sales(make_customer, now):
    """Yesterday: one order of 3 copies (70,000). Today: one of 1 copy (20,000) kept, one of 2 cancelled."""
    poems = BookFactory(price=20_000, stock=10)
    novel = BookFactory(price=30_000, stock=10)
    buyer = make_customer("free", balance=500_000)
    buy(buyer, [(poems, 2), (novel, 1)], at=now - timedelta(days=1))
    buy(buyer, [(poems, 1)], at=now)
    cancel_order(order=buy(buyer, [(novel, 2)], at=now), now=now)
    return {"yesterday": timezone.localdate(now - timedelta(days=1)), "today": timezone.localdate(now)}


def test_a_days_sales_leave_cancelled_orders_out_and_its_revenue_counts_purchases_R36_R7(sales, now):
    by_day = {row.day: row for row in daily_activity(now=now)}
    yesterday, today = by_day.pop(sales["yesterday"]), by_day.pop(sales["today"])
    assert (yesterday.orders, yesterday.copies_sold, yesterday.sales, yesterday.revenue) == (1, 3, 70_000, 70_000)
    # Today's cancelled order was paid and refunded the same day: its net revenue is nothing.
    assert (today.orders, today.copies_sold, today.sales, today.revenue) == (1, 1, 20_000, 20_000)
    assert {(row.orders, row.copies_sold, row.sales) for row in by_day.values()} == {(0, 0, 0)}


def test_the_dashboard_shows_the_sales_totals_chart_and_columns(client, sales):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    html = client.get("/admin/dashboard/").content.decode()
    assert re.search(r'id="total-orders">2<', html)
    assert re.search(r'id="total-copies-sold">4<', html)
    assert re.search(r'id="total-sales">90,000 toman<', html)
    assert 'id="chart-sales"' in html
    row = re.search(rf'<tr data-day="{sales["yesterday"]:%Y-%m-%d}">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="number">([^<]*)</td>', row) == ["0", "70,000", "1", "3", "70,000"]
