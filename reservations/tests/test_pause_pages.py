"""My reservations: "Deliver later" on each queued place, "Paused until" and Resume (R30)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from persiantools import digits
from persiantools.jdatetime import JalaliDate
from rest_framework.test import APIClient

from accounts.models import Role, Tier
from accounts.services import issue_tokens
from accounts.tests.factories import UserFactory
from accounts.tests.test_pages import assert_page_basics, text_of
from reservations.models import Status
from reservations.pauses import pause, pause_days
from reservations.services import reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_place(make_customer, make_book, now):
    """A customer queued for "Kelidar", held by another: (customer, book, place, loan)."""
    book = make_book(units=1, title="Kelidar")
    loan = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=5, now=now)
    customer = make_customer(Tier.PLUS, balance=10_000)
    place = reserve(customer=customer, book=book, days=2, now=now)
    return customer, book, place, loan


def test_each_queued_place_has_a_deliver_later_date_input_with_its_bounds_R30(client, queued_place):
    customer, _, place, _ = queued_place
    first, last = pause_days(timezone.now())
    client.force_login(customer.user)

    html = assert_page_basics(client.get("/reservations/"))

    assert f'action="/reservations/{place.pk}/pause/"' in html
    assert 'type="date" name="until"' in html and f'min="{first}"' in html and f'max="{last}"' in html
    assert f'<label for="id_pause_{place.pk}_until">' in html
    assert "Paused until" not in html and f"/reservations/{place.pk}/resume/" not in html


def test_pausing_from_the_page_shows_paused_until_and_a_resume_button_R30(client, queued_place):
    customer, _, place, _ = queued_place
    day = pause_days(timezone.now())[0] + timedelta(days=9)
    client.force_login(customer.user)

    response = client.post(f"/reservations/{place.pk}/pause/", {"until": day.isoformat()})

    assert response.status_code == 302 and response["Location"] == "/reservations/"
    place.refresh_from_db()
    assert place.paused_until is not None
    page = client.get("/reservations/")
    text = text_of(page)
    assert f"is paused: it keeps its place in line, and a copy can come to you from {day.isoformat()}." in text
    assert f"Paused until {day.isoformat()}" in text
    assert f'action="/reservations/{place.pk}/resume/"' in page.content.decode()


def test_the_paused_day_reads_in_jalali_with_persian_digits_in_persian_R30_R40(client, queued_place, now):
    customer, _, place, _ = queued_place
    day = pause_days(now)[0]
    pause(customer=customer, reservation=place, until=day, now=now)
    customer.user.language = "fa"
    customer.user.save(update_fields=["language"])
    client.force_login(customer.user)

    text = text_of(client.get("/reservations/", HTTP_ACCEPT_LANGUAGE="fa"))

    jalali = digits.en_to_fa(JalaliDate(day).strftime("%Y/%m/%d"))
    assert f"متوقف تا {jalali}" in text


def test_a_day_out_of_range_or_not_a_date_is_refused_with_a_message_R30(client, queued_place):
    customer, _, place, _ = queued_place
    client.force_login(customer.user)
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    for until, says in ((today.isoformat(), "Choose a day from tomorrow to 60 days from today."), ("soon", "date")):
        response = client.post(f"/reservations/{place.pk}/pause/", {"until": until}, follow=True)
        assert says in text_of(response)
    place.refresh_from_db()
    assert place.paused_until is None


def test_resuming_from_the_page_and_anothers_place_is_404_R30(client, queued_place, make_customer, now):
    customer, _, place, loan = queued_place
    pause(customer=customer, reservation=place, until=pause_days(now)[0], now=now)
    client.force_login(customer.user)

    response = client.post(f"/reservations/{place.pk}/resume/", follow=True)

    assert "Your place for “Kelidar” is waiting again." in text_of(response)
    place.refresh_from_db()
    assert place.paused_until is None and place.status == Status.QUEUED
    assert client.post(f"/reservations/{loan.pk}/resume/").status_code == 404
    assert client.post(f"/reservations/{loan.pk}/pause/", {"until": "2030-01-01"}).status_code == 404
    assert client.get(f"/reservations/{place.pk}/pause/").status_code == 405


def test_the_admins_holders_view_marks_a_paused_place_with_its_day_R30_R25(client, queued_place, make_customer, now):
    customer, book, place, _ = queued_place
    behind = reserve(customer=make_customer(Tier.PLUS, balance=10_000), book=book, days=2, now=now)
    day = pause_days(now)[0] + timedelta(days=2)
    pause(customer=customer, reservation=place, until=day, now=now)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))

    html = client.get(f"/admin/catalog/book/{book.pk}/holders/").content.decode()

    queue = html[html.index('id="queue"') :]
    assert queue.index(f'data-reservation="{place.pk}"') < queue.index(f'data-reservation="{behind.pk}"')
    assert f"paused until {day.isoformat()}" in queue
    api = client_api_holders(book)
    assert [(row["reservation"], row["place"]) for row in api["queue"]] == [(place.pk, 1), (behind.pk, 1)]
    assert api["queue"][0]["paused_until"] and api["queue"][1]["paused_until"] is None


def client_api_holders(book) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(UserFactory(role=Role.ADMIN))['access']}")
    return client.get(f"/api/v1/books/{book.pk}/holders/").json()
