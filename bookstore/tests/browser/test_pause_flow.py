"""Pausing and resuming a queue place on my reservations in a real browser (R30), without JavaScript too."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Tier
from catalog.tests.factories import BookFactory
from reservations.models import Status
from reservations.pauses import pause_days, resume_moment
from reservations.services import reserve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_a_customer_delivers_later_then_resumes_R30(page, no_js_page, live_server, log_in, make_customer, javascript):
    page = page if javascript else no_js_page
    book = BookFactory(title="Kelidar", units=1)
    reserve(customer=make_customer(tier=Tier.PLUS, balance=10_000), book=book, days=3)
    customer = make_customer(tier=Tier.PLUS, balance=20_000, user__username="golnar")
    place = reserve(customer=customer, book=book, days=2)
    day = pause_days(timezone.now())[0] + timedelta(days=4)
    log_in(page, "golnar")

    page.goto(f"{live_server.url}/reservations/")
    row = page.get_by_role("row", name=re.compile("Kelidar"))
    row.get_by_label(re.compile("Deliver from")).fill(day.isoformat())
    row.get_by_role("button", name=re.compile("Deliver later")).click()

    expect(page.locator("ul.messages")).to_contain_text("“Kelidar” is paused: it keeps its place in line")
    assert urlparse(page.url).path == "/reservations/"
    row = page.get_by_role("row", name=re.compile("Kelidar"))
    expect(row).to_contain_text(f"Paused until {day.isoformat()}")
    place.refresh_from_db()
    assert place.status == Status.QUEUED and place.paused_until == resume_moment(day)

    row.get_by_role("button", name=re.compile("^Resume")).click()
    expect(page.locator("ul.messages")).to_contain_text("Your place for “Kelidar” is waiting again.")
    row = page.get_by_role("row", name=re.compile("Kelidar"))
    expect(row).not_to_contain_text("Paused until")
    expect(row.get_by_role("button", name=re.compile("Deliver later"))).to_have_count(1)
    place.refresh_from_db()
    assert place.paused_until is None
