"""The admin site: every model listed and searchable, the holders view and the dashboard (R23-R25)."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, SmsDevice
from accounts.services import notify
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.services import buy_subscription
from catalog.tests.factories import BookFactory
from dashboard.charts import bar_chart, column_chart, nice_ticks
from dashboard.views import daily_activity, longest_queues
from reservations.models import EndReason, Reservation, Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def holders_url(book) -> str:
    return f"/admin/catalog/book/{book.pk}/holders/"


def row_ids(html: str, table_id: str) -> list[int]:
    """The reservation ids of a holders-view table, in the order shown."""
    match = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    return [int(pk) for pk in re.findall(r'<tr data-reservation="(\d+)">', match.group(1))] if match else []


def row_cells(html: str, reservation_id: int) -> list[str]:
    row = re.search(rf'<tr data-reservation="{reservation_id}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.fixture
def busy_book(make_customer, now):
    """A one-unit book with a Plus holder and a queue of Plus, Premium, Plus requested in that order."""
    book = BookFactory(title="The Blind Owl", units=1)
    holder = reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now - timedelta(minutes=10))
    first_plus = reserve(
        customer=make_customer("plus", balance=50_000), book=book, days=2, now=now - timedelta(minutes=9)
    )
    premium = reserve(
        customer=make_customer("premium", balance=50_000), book=book, days=4, now=now - timedelta(minutes=8)
    )
    last_plus = reserve(
        customer=make_customer("plus", balance=50_000), book=book, days=1, now=now - timedelta(minutes=7)
    )
    return book, holder, [premium, first_plus, last_plus]


def test_every_registered_model_changelist_and_change_page_load_with_search(admin_client, busy_book, now):
    book, holder, _ = busy_book
    notify(user=holder.customer.user, kind="promoted", message="Your book is ready.")
    SmsDevice.objects.create(user=holder.customer.user, name="sms").issue(now=now)
    AuthorFactory()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        if model_admin.search_fields:
            for term in ["blind", "12345", "بوف"]:
                assert admin_client.get(changelist, {"q": term}).status_code == 200, (changelist, term)
        first = model_admin.get_queryset(response.wsgi_request).first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert admin_client.get(change).status_code == 200, change


def test_list_filters_work_on_books_reservations_and_the_ledger(admin_client, busy_book):
    book, holder, queue = busy_book
    response = admin_client.get("/admin/catalog/book/", {"availability": "queued"})
    assert response.status_code == 200 and "The Blind Owl" in response.content.decode()
    response = admin_client.get("/admin/catalog/book/", {"availability": "free"})
    assert "The Blind Owl" not in response.content.decode()
    response = admin_client.get("/admin/reservations/reservation/", {"status__exact": "queued"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    response = admin_client.get("/admin/billing/wallettransaction/", {"customer__id__exact": holder.customer_id})
    assert response.status_code == 200
    assert {row.customer_id for row in response.context["cl"].result_list} == {holder.customer_id}


def test_reservations_and_the_ledger_are_read_only_R19_R23(admin_client, busy_book):
    _, holder, _ = busy_book
    for add in ["/admin/reservations/reservation/add/", "/admin/billing/wallettransaction/add/"]:
        assert admin_client.get(add).status_code == 403
    response = admin_client.post(f"/admin/reservations/reservation/{holder.pk}/change/", {"days": 14})
    assert response.status_code == 403
    holder.refresh_from_db()
    assert holder.days == 3
    transaction = holder.customer.transactions.first()
    response = admin_client.post(f"/admin/billing/wallettransaction/{transaction.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403


def test_login_codes_are_never_shown_in_the_admin_R21(admin_client, now):
    user = UserFactory()
    code = SmsDevice.objects.create(user=user, name="sms").issue(now=now)
    device = SmsDevice.objects.get(user=user)
    html = admin_client.get(f"/admin/accounts/smsdevice/{device.pk}/change/").content.decode()
    assert user.username in html
    assert code not in html and device.challenge not in html


def test_holders_view_shows_holders_and_the_queue_in_R12_order_with_tier_days_and_price_R25(admin_client, busy_book):
    book, holder, queue = busy_book
    response = admin_client.get(holders_url(book))
    assert response.status_code == 200
    html = response.content.decode()
    assert row_ids(html, "holders") == [holder.pk]
    assert row_ids(html, "queue") == [entry.pk for entry in queue]  # Premium first, then by request time
    holder_cells = row_cells(html, holder.pk)
    assert holder_cells[1:5] == [holder.customer.user.username, "Plus", "3", "3,000"]
    premium, first_plus, last_plus = queue
    assert row_cells(html, premium.pk)[:6] == [
        "1",
        f"#{premium.pk}",
        premium.customer.user.username,
        "Premium",
        "4",
        "4,000",
    ]
    assert row_cells(html, first_plus.pk)[:6] == [
        "2",
        f"#{first_plus.pk}",
        first_plus.customer.user.username,
        "Plus",
        "2",
        "2,000",
    ]
    assert row_cells(html, last_plus.pk)[3:6] == ["Plus", "1", "1,000"]
    assert html.count("csrfmiddlewaretoken") >= 4


def test_holders_view_is_linked_from_the_book_list_and_change_page(admin_client, busy_book):
    book, _, _ = busy_book
    assert holders_url(book) in admin_client.get("/admin/catalog/book/").content.decode()
    assert holders_url(book) in admin_client.get(f"/admin/catalog/book/{book.pk}/change/").content.decode()
    reservation_list = admin_client.get("/admin/reservations/reservation/").content.decode()
    assert holders_url(book) in reservation_list


def test_end_early_promotes_the_next_customer_in_R12_order_R25_R13(admin_client, busy_book, assert_wallet_consistent):
    book, holder, queue = busy_book
    premium = queue[0]

    response = admin_client.post(holders_url(book), {"action": "end", "reservation": holder.pk}, follow=True)

    assert response.redirect_chain == [(holders_url(book), 302)]
    holder.refresh_from_db()
    premium.refresh_from_db()
    assert holder.status == Status.ENDED_BY_ADMIN
    assert premium.status == Status.ACTIVE and premium.price == 4_000
    assert_wallet_consistent(premium.customer)
    html = response.content.decode()
    assert row_ids(html, "holders") == [premium.pk]
    assert row_ids(html, "queue") == [queue[1].pk, queue[2].pk]
    assert f"Reservation #{holder.pk} of {holder.customer} ended early." in html
    assert f"Next in the queue, {premium.customer} now holds the book (#{premium.pk})." in html


def test_remove_cancels_a_queued_entry_and_notifies_the_customer_R25(admin_client, busy_book):
    book, _, queue = busy_book
    removed = queue[1]

    response = admin_client.post(holders_url(book), {"action": "remove", "reservation": removed.pk}, follow=True)

    removed.refresh_from_db()
    assert removed.status == Status.CANCELLED and removed.end_reason == EndReason.REMOVED_BY_ADMIN
    assert row_ids(response.content.decode(), "queue") == [queue[0].pk, queue[2].pk]
    assert removed.customer.user.notifications.filter(message__contains="removed you from the queue").exists()
    assert "removed from the queue" in response.content.decode()


@pytest.mark.parametrize("reservation", ["²", "①", "-1", "1e3", "9" * 30, ""])
def test_a_holders_post_with_a_reservation_that_is_no_number_is_a_message_not_a_500_R26(
    admin_client, busy_book, reservation
):
    book, holder, _ = busy_book
    response = admin_client.post(holders_url(book), {"action": "end", "reservation": reservation}, follow=True)
    assert response.status_code == 200
    assert "Choose a reservation of this book and an action." in response.content.decode()
    holder.refresh_from_db()
    assert holder.status == Status.ACTIVE


def test_domain_errors_are_shown_as_admin_messages_and_change_nothing_R26(admin_client, busy_book):
    book, holder, queue = busy_book
    response = admin_client.post(holders_url(book), {"action": "remove", "reservation": holder.pk}, follow=True)
    assert "end it instead of removing it from the queue" in response.content.decode()
    holder.refresh_from_db()
    assert holder.status == Status.ACTIVE

    response = admin_client.post(holders_url(book), {"action": "end", "reservation": queue[0].pk}, follow=True)
    assert "This reservation is not active." in response.content.decode()
    assert Reservation.objects.get(pk=queue[0].pk).status == Status.QUEUED

    other_book = BookFactory()
    for data in [{"action": "end", "reservation": holder.pk}, {"action": "explode", "reservation": holder.pk}, {}]:
        response = admin_client.post(holders_url(other_book), data, follow=True)
        assert "Choose a reservation of this book and an action." in response.content.decode()
    holder.refresh_from_db()
    assert holder.status == Status.ACTIVE


def test_holders_view_and_dashboard_are_closed_to_non_staff(client, busy_book):
    book, _, _ = busy_book
    for path in [holders_url(book), "/admin/dashboard/"]:
        assert client.get(path)["Location"].startswith("/admin/login/")
        client.force_login(UserFactory(role=Role.CUSTOMER))
        response = client.post(path, {"action": "end", "reservation": book.reservations.first().pk})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        client.logout()
    assert book.reservations.filter(status=Status.ACTIVE).count() == 1


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
    assert [(entry.book, entry.length) for entry in longest_queues()] == seeded_activity["queues"]


def test_dashboard_page_draws_svg_charts_and_tables_with_the_seeded_numbers(admin_client, seeded_activity):
    response = admin_client.get("/admin/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    content = html[html.index('<div id="content-main">') :]
    assert 'role="img"' in content and "<script" not in content  # drawn on the server, no JavaScript
    for day, reservations, revenue in (seeded_activity[key] for key in ["two_days_ago", "yesterday", "today"]):
        row = re.search(rf'<tr data-day="{day:%Y-%m-%d}">(.*?)</tr>', html, re.S).group(1)
        assert re.findall(r'<td class="number">([^<]*)</td>', row) == [f"{reservations:,}", f"{revenue:,}"]
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


def test_a_book_with_only_finished_reservations_is_withdrawn_with_them_kept_R28(admin_client, make_customer, now):
    book = BookFactory(title="Returned")
    customer = make_customer("plus", balance=10_000)
    returned = reserve(customer=customer, book=book, days=1, now=now - timedelta(days=3))
    assert returned.status == Status.ACTIVE  # ends two days ago: expired by the sweep inside delete_book

    assert admin_client.get(f"/admin/catalog/book/{book.pk}/delete/").status_code == 200
    response = admin_client.post(f"/admin/catalog/book/{book.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert Reservation.objects.get(pk=returned.pk).status == Status.EXPIRED
    assert type(book).objects.get(pk=book.pk).is_withdrawn
    messages = admin_client.get(response["Location"]).content.decode()
    assert "withdrawn from the catalog instead of deleted" in messages
    assert "deleted successfully" not in messages

    response = admin_client.post("/admin/catalog/book/", {"action": "restore", "_selected_action": [book.pk]})
    assert response.status_code == 302
    assert not type(book).objects.get(pk=book.pk).is_withdrawn


def test_a_book_someone_holds_or_waits_for_is_not_deleted(admin_client, busy_book):
    book, holder, _ = busy_book
    response = admin_client.get(f"/admin/catalog/book/{book.pk}/delete/")
    assert f"reservation #{holder.pk} of {holder.customer} (active)" in response.content.decode()
    response = admin_client.post(f"/admin/catalog/book/{book.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert type(book).objects.filter(pk=book.pk).exists()
    response = admin_client.post(
        "/admin/catalog/book/", {"action": "delete_selected", "_selected_action": [book.pk], "post": "yes"}
    )
    assert type(book).objects.filter(pk=book.pk).exists()


def test_an_admin_by_role_alone_can_use_the_admin_site(client):
    """role=admin without the superuser flag still runs the admin (SPEC: admins run the admin site)."""
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    admin = UserFactory(role=Role.ADMIN, is_superuser=False)
    client.force_login(admin)
    assert client.get("/admin/catalog/book/").status_code == 200
    assert client.get("/admin/dashboard/").status_code == 200
