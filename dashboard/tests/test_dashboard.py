"""The admin dashboard: reservations and revenue per day, the longest queues, its SVG charts (R25).

Who may open it with the holders view: bookstore/tests/test_admin_site.py.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from billing.services import buy_subscription
from catalog.tests.factories import BookFactory
from dashboard.charts import bar_chart, column_chart, nice_ticks
from dashboard.views import daily_activity
from reservations.demand import most_wanted
from reservations.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    """A client logged in as a superuser admin, as in bookstore/tests/test_admin_site.py."""
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def test_dashboard_needs_the_right_to_see_reservations_and_the_ledger(client):
    client.force_login(UserFactory(role=Role.CUSTOMER, is_staff=True))
    assert client.get("/admin/dashboard/").status_code == 403


def test_admin_index_links_to_the_dashboard(admin_client):
    assert 'href="/admin/dashboard/"' in admin_client.get("/admin/").content.decode()


@pytest.fixture
def seeded_activity(make_customer, fund, now):
    """Two days ago: 2 requests, 3,000 paid; yesterday: subscriptions; today: 3 requests, 5,000 paid."""
    two_days_ago, yesterday = now - timedelta(days=2), now - timedelta(days=1)
    popular = BookFactory(title="Popular", units=1)
    reserve(customer=make_customer("plus", balance=100_000), book=popular, days=3, now=two_days_ago)
    reserve(customer=make_customer("premium", balance=100_000), book=popular, days=2, now=two_days_ago)

    newcomer = make_customer("free", balance=100_000)
    fund(newcomer, 5_000, at=yesterday)  # a charge: money in the customer's own wallet, not revenue
    buy_subscription(customer=newcomer, tier="plus", months=1, now=yesterday)
    upgrader = make_customer("plus", balance=300_000)
    upgrade = buy_subscription(customer=upgrader, tier="premium", months=1, now=yesterday)
    assert upgrade.refunded > 0

    reserve(customer=make_customer("plus", balance=100_000), book=BookFactory(units=1), days=5, now=now)
    waited = BookFactory(title="<b>Waited</b> for", units=0)
    for _ in range(2):
        reserve(customer=make_customer("plus", balance=100_000), book=waited, days=1, now=now)
    return {
        "two_days_ago": (timezone.localdate(two_days_ago), 2, 3_000),
        "yesterday": (timezone.localdate(yesterday), 0, 50_000 + 200_000 - upgrade.refunded),
        "today": (timezone.localdate(now), 3, 5_000),
        "queues": [(waited, 2), (popular, 1)],
    }


def test_dashboard_counts_reservations_and_revenue_per_local_day(seeded_activity, now):
    activity = daily_activity(now=now)
    assert len(activity) == 30 and activity[-1].day == timezone.localdate(now)
    by_day = {row.day: (row.reservations, row.revenue) for row in activity}
    for day, reservations, revenue in (seeded_activity[key] for key in ["two_days_ago", "yesterday", "today"]):
        assert by_day.pop(day) == (reservations, revenue)
    assert set(by_day.values()) == {(0, 0)}
    assert [(row.book, row.queued) for row in most_wanted(now=now)] == [(b.pk, n) for b, n in seeded_activity["queues"]]


def test_dashboard_page_draws_svg_charts_and_tables_with_the_seeded_numbers(admin_client, seeded_activity):
    response = admin_client.get("/admin/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4
    content = html[html.index('<div id="content-main">') :]
    assert 'role="img"' in content and "<script" not in content  # drawn on the server, no JavaScript
    for day, reservations, revenue in (seeded_activity[key] for key in ["two_days_ago", "yesterday", "today"]):
        row = re.search(rf'<tr data-day="{day:%Y-%m-%d}">(.*?)</tr>', html, re.S).group(1)
        assert re.findall(r'<td class="number">([^<]*)</td>', row)[:2] == [f"{reservations:,}", f"{revenue:,}"]
        assert f"<title>{day:%m-%d}: {reservations}</title>" in html
        assert f"<title>{day:%m-%d}: {revenue:,} toman</title>" in html
    total_revenue = sum(seeded_activity[key][2] for key in ["two_days_ago", "yesterday", "today"])
    assert re.search(rf'id="total-revenue">{total_revenue:,} toman<', html)
    assert re.search(r'id="total-reservations">5<', html)
    # Queue lengths, longest first; titles are escaped in the chart and the table.
    assert "<title>&lt;b&gt;Waited&lt;/b&gt; for: 2</title>" in html
    assert "<title>Popular: 1</title>" in html
    assert html.index("&lt;b&gt;Waited") < html.index("<title>Popular: 1</title>")
    assert "<b>Waited</b>" not in html


def test_nice_ticks_cover_the_values_and_include_zero():
    assert nice_ticks(0, 0) == [0, 1]
    assert nice_ticks(0, 7) == [0, 2, 4, 6, 8]
    assert nice_ticks(0, 250_000) == [0, 50_000, 100_000, 150_000, 200_000, 250_000]
    ticks = nice_ticks(-5_000, 120_000)
    assert ticks[0] <= -5_000 and ticks[-1] >= 120_000 and 0 in ticks


def test_charts_are_accessible_svg_with_one_titled_bar_per_value():
    chart = column_chart(
        chart_id="c", title="Per day", labels=["a", "b", "c"], values=[3, 0, -2], x_title="Day", y_title="N"
    )
    assert chart.startswith("<svg") and 'aria-labelledby="c-title c-desc"' in chart
    assert '<title id="c-title">Per day</title>' in chart
    assert re.findall(r'data-value="(-?\d+)"><title>(\w): ', chart) == [("3", "a"), ("0", "b"), ("-2", "c")]
    bars = bar_chart(chart_id="q", title="Queues", labels=["x" * 50], values=[4], x_title="Customers")
    assert f"<title>{'x' * 50}: 4</title>" in bars and "x" * 31 + "…" in bars
    with pytest.raises(ValueError):
        column_chart(chart_id="e", title="", labels=["a"], values=[], x_title="", y_title="")
