"""The demand report (R33): the admin's sortable table and CSV, GET admin/demand/, the dashboard's chart."""

import csv
import io
import re

import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.tests.factories import BookFactory
from reservations.services import reserve

pytestmark = pytest.mark.django_db

HEADER = ["book", "title", "units", "on_loan", "queued", "paused", "queued_per_unit", "median_wait_days", "buy"]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def books(make_customer, now):
    """ "Busy, <i>1</i>" (1 unit, lent, 4 waiting: buy 1) and "Calm" (3 units, nobody waiting)."""
    busy = BookFactory(title="Busy, <i>1</i>", units=1)
    for _ in range(5):
        reserve(customer=make_customer("plus", balance=100_000), book=busy, days=2, now=now)
    calm = BookFactory(title="Calm", units=3)
    return busy, calm


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so a spreadsheet reads Persian titles as UTF-8
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_admin_table_sorts_by_the_links_in_its_heads_R33(admin_client, books):
    busy, calm = books
    response = admin_client.get("/admin/demand/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<tr data-book="(\d+)">', html) == [str(busy.pk), str(calm.pk)]  # most to buy first
    assert "Busy, &lt;i&gt;1&lt;/i&gt;" in html and "<i>1</i>" not in html
    for column in HEADER:
        assert f'data-column="{column}"' in html
    assert 'href="?o=title" data-column="title"' in html and 'href="?o=-queued" data-column="queued"' in html
    assert 'aria-sort="descending"' in html and 'href="?o=buy" data-column="buy"' in html  # sorted by -buy now
    row = re.search(rf'<tr data-book="{busy.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="number">(?:<strong>)?([^<]*)', row)
    assert cells == [str(busy.pk), "1", "1", "4", "0", "4.00", "—", "1"]
    ascending = admin_client.get("/admin/demand/", {"o": "queued"}).content.decode()
    assert re.findall(r'<tr data-book="(\d+)">', ascending) == [str(calm.pk), str(busy.pk)]
    assert 'aria-sort="ascending"' in ascending and 'href="?o=-queued" data-column="queued"' in ascending
    assert 'href="?o=queued&amp;format=csv"' in ascending


def test_admin_csv_has_the_header_and_rows_in_the_table_order_R33(admin_client, books, now):
    busy, calm = books
    response = admin_client.get("/admin/demand/", {"o": "title", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="demand-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])
    rows = _csv(response)
    assert rows[0] == HEADER
    assert rows[1:] == [
        [str(busy.pk), "Busy, <i>1</i>", "1", "1", "4", "0", "4.0", "", "1"],
        [str(calm.pk), "Calm", "3", "0", "0", "0", "0.0", "", "0"],
    ]


def test_admin_report_is_for_admins_only_R33(client, books):
    assert client.get("/admin/demand/").status_code == 302  # to the login
    client.force_login(UserFactory(role=Role.CUSTOMER))
    assert client.get("/admin/demand/").status_code == 302  # not staff: the admin's login
    client.force_login(UserFactory(role=Role.CUSTOMER, is_staff=True))  # staff without the right to see loans
    assert client.get("/admin/demand/").status_code == 403
    assert client.get("/admin/demand/", {"format": "csv"}).status_code == 403


def test_admin_index_and_dashboard_link_to_the_report(admin_client):
    assert 'href="/admin/demand/"' in admin_client.get("/admin/").content.decode()
    assert 'href="/admin/demand/"' in admin_client.get("/admin/dashboard/").content.decode()


def test_the_report_in_persian_has_persian_digits_R33_R40(admin_client, books):
    busy, _ = books
    admin_client.cookies["language"] = "fa"
    html = admin_client.get("/admin/demand/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    row = re.search(rf'<tr data-book="{busy.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "۴٫۰۰" in row and "<strong>۱</strong>" in row
    assert "خرید" in html  # the Buy column


def test_api_lists_demand_paginated_and_sorted_for_admins_R33(client_for, books):
    busy, calm = books
    api = client_for(UserFactory(role=Role.ADMIN))
    body = api.get("/api/v1/admin/demand/").json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "book": busy.pk,
        "title": "Busy, <i>1</i>",
        "units": 1,
        "on_loan": 1,
        "queued": 4,
        "paused": 0,
        "queued_per_unit": 4.0,
        "median_wait_days": None,
        "buy": 1,
    }
    ordered = api.get("/api/v1/admin/demand/", {"ordering": "title", "page_size": 1}).json()
    assert [row["book"] for row in ordered["results"]] == [busy.pk] and ordered["next"]
    assert [row["book"] for row in api.get("/api/v1/admin/demand/", {"ordering": "-units"}).json()["results"]] == [
        calm.pk,
        busy.pk,
    ]


def test_api_gives_csv_with_format_csv_R33(client_for, books):
    busy, calm = books
    response = client_for(UserFactory(role=Role.ADMIN)).get("/api/v1/admin/demand/?format=csv&ordering=-units")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="demand-' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == HEADER and [row[0] for row in rows[1:]] == [str(calm.pk), str(busy.pk)]


def test_api_is_admins_only_and_errors_stay_json_R22_R26(api_client, client_for, make_customer):
    assert api_client.get("/api/v1/admin/demand/").status_code == 401
    response = client_for(make_customer("plus").user).get("/api/v1/admin/demand/?format=csv")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "permission_denied"
    admin = client_for(UserFactory(role=Role.ADMIN))
    assert admin.get("/api/v1/admin/demand/?format=xml").status_code == 404
    options = admin.options("/api/v1/admin/demand/?format=csv")  # DRF's metadata: JSON, not CSV
    assert options.status_code == 200 and options["Content-Type"] == "application/json"


def test_dashboard_charts_the_ten_most_wanted_books_R33(admin_client, make_customer, now):
    for count in range(1, 13):  # books waited for by 1 to 12 customers
        book = BookFactory(title=f"Wanted {count:02}", units=0)
        for _ in range(count):
            reserve(customer=make_customer("plus", balance=100_000), book=book, days=1, now=now)
    html = admin_client.get("/admin/dashboard/").content.decode()
    chart = re.search(r'<svg[^>]*id="chart-queues".*?</svg>', html, re.S).group(0)
    assert re.findall(r"<title>Wanted (\d+): (\d+)</title>", chart) == [(f"{n:02}", str(n)) for n in range(12, 2, -1)]
    assert "<script" not in chart and "style=" not in chart  # drawn on the server, CSP-safe
    table = re.search(r'<table id="queues-table">.*?</table>', html, re.S).group(0)
    assert table.count('<tr><th scope="row"') == 10
