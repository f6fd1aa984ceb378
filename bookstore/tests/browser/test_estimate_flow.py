"""The wait range on the book page in a real browser, before joining (R31, R40).

A Plus customer opens a book whose one copy is on loan: the page says between which days a
copy should reach them if they join now, the same range the API gives, and after joining
their queue row on my reservations says it too. In Persian the days are Jalali.
"""

import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import Tier
from catalog.tests.factories import BookFactory
from core.formatting import day_range
from reservations.estimates import book_expected_between
from reservations.services import reserve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def occupied(make_customer):
    book = BookFactory(title="Suvashun", units=1)
    reserve(customer=make_customer(tier=Tier.PLUS, balance=50_000), book=book, days=5)
    return book


def test_the_book_page_names_the_days_a_copy_should_come_before_and_after_joining_R31(
    page, live_server, log_in, make_customer, occupied
):
    make_customer(tier=Tier.PLUS, balance=20_000, user__username="parvin")
    expected = day_range(*book_expected_between(occupied, timezone.now())["plus"])
    assert expected.startswith(("between", "on"))
    log_in(page, "parvin")

    page.goto(f"{live_server.url}/books/{occupied.pk}/")
    expect(page.locator("#join-range")).to_have_text(f"A copy should reach you {expected}.")
    page.get_by_label("Days").select_option("3")
    page.get_by_role("button", name="Join the queue").click()

    page.goto(f"{live_server.url}/reservations/")
    row = page.get_by_role("row", name=re.compile("Suvashun"))
    expect(row).to_contain_text(re.compile(r"between \d+ (\w+ )?and \d+ \w+|on \d+ \w+"))


def test_a_persian_visitor_reads_both_tiers_ranges_in_jalali_days_R31_R40(browser, live_server, occupied):
    ranges = book_expected_between(occupied, timezone.now())
    with translation.override("fa"):
        plus, premium = day_range(*ranges["plus"]), day_range(*ranges["premium"])
    assert re.search("[۰-۹]", plus) and not re.search("[0-9]", plus)
    context = browser.new_context(locale="fa-IR")
    page = context.new_page()
    page.goto(f"{live_server.url}/books/{occupied.pk}/")
    text = page.locator("#join-range").inner_text()
    assert plus in text and premium in text
    context.close()
