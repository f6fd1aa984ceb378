"""The admin site: every model listed and searchable, the holders view, books withdrawn (R23-R25, R28).

The dashboard and its charts: dashboard/tests/test_dashboard.py.
"""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Role, SmsDevice
from accounts.services import notify
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.tests.factories import BookFactory
from reservations.models import EndReason, Reservation, Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def holders_url(book) -> str:
    return f"/admin/catalog/book/{book.pk}/holders/"


def act(client, book, action: str, reservation):
    """Press a holders-view button and confirm it (issue 17), following the redirect."""
    data = {"action": action, "reservation": getattr(reservation, "pk", reservation), "confirmed": "yes"}
    return client.post(holders_url(book), data, follow=True)


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

    response = act(admin_client, book, "end", holder.pk)

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


def test_end_early_names_the_customers_the_queue_skipped_R13_R25(admin_client, busy_book):
    """Issue 17: the admin's message named only the customer promoted, not those dropped on the way."""
    from accounts.models import Customer

    book, holder, queue = busy_book
    premium, first_plus = queue[0], queue[1]
    Customer.objects.filter(pk=premium.customer_id).update(balance=0)  # can no longer pay (R11)

    html = act(admin_client, book, "end", holder.pk)
    html = html.content.decode()

    premium.refresh_from_db()
    assert premium.status == Status.DROPPED and premium.end_reason == EndReason.INSUFFICIENT_FUNDS
    assert f"Dropped from the queue: {premium.customer}, wallet could not pay at promotion (#{premium.pk})." in html
    assert f"Next in the queue, {first_plus.customer} now holds the book (#{first_plus.pk})." in html
    assert html.index("Dropped from the queue") < html.index("Next in the queue")


def test_end_early_and_remove_ask_first_and_change_nothing_until_confirmed_R25(admin_client, busy_book):
    """Issue 17: the buttons acted at once; now each shows a confirmation page first."""
    book, holder, queue = busy_book
    for action, entry, question in [
        ("end", holder, "End this loan early?"),
        ("remove", queue[0], "Remove this entry from the queue?"),
    ]:
        response = admin_client.post(holders_url(book), {"action": action, "reservation": entry.pk})
        html = response.content.decode()
        assert response.status_code == 200 and question in html and f"Reservation #{entry.pk} of" in html
        assert 'name="confirmed" value="yes"' in html and f'href="{holders_url(book)}"' in html
        assert Reservation.objects.get(pk=entry.pk).status == entry.status  # nothing done yet


def test_remove_cancels_a_queued_entry_and_notifies_the_customer_R25(admin_client, busy_book):
    book, _, queue = busy_book
    removed = queue[1]

    response = act(admin_client, book, "remove", removed.pk)

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
    response = act(admin_client, book, "remove", holder.pk)
    assert "end it instead of removing it from the queue" in response.content.decode()
    holder.refresh_from_db()
    assert holder.status == Status.ACTIVE

    response = act(admin_client, book, "end", queue[0].pk)
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


def test_the_admin_writes_dates_as_the_site_does(admin_client, busy_book):
    """Issue 17: the admin showed "Dec. 2, 2026, 2:29 a.m." where the site shows "2026-12-02 02:29"."""
    from django.utils import timezone

    _, holder, _ = busy_book
    html = admin_client.get("/admin/reservations/reservation/").content.decode()
    assert timezone.localtime(holder.requested_at).strftime("%Y-%m-%d %H:%M") in html
    assert "a.m." not in html and "p.m." not in html
