"""Reviewing a borrowed book on its page in a real browser (R37), with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Tier
from catalog.tests.factories import BookFactory
from reservations.services import reserve
from reviews.models import Review

from .conftest import assert_fields_labelled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_borrower_reviews_the_book_and_sees_stars_and_count_R37(page, live_server, log_in, make_customer):
    customer = make_customer(tier=Tier.PLUS, balance=10_000, user__username="golshiri")
    book = BookFactory(title="Shazdeh Ehtejab", units=1)
    reserve(customer=customer, book=book, days=2)
    log_in(page, "golshiri")

    page.goto(f"{live_server.url}/books/{book.pk}/")
    expect(page.locator(".rating").first).to_contain_text("No reviews yet")
    form = page.locator("form", has=page.get_by_role("button", name="Publish my review"))
    assert_fields_labelled(page)
    form.get_by_label("4 stars").check()
    form.get_by_label(re.compile("Your review")).fill("A haunting, short novel.")
    form.get_by_role("button", name="Publish my review").click()

    expect(page.locator("ul.messages")).to_contain_text("your review of “Shazdeh Ehtejab” is published")
    summary = page.locator(".rating").first
    expect(summary.get_by_role("img", name="4.0 out of 5")).to_have_text("★★★★☆")
    expect(summary).to_contain_text("1 review")
    expect(page.locator("#reviews")).to_contain_text("A haunting, short novel.")
    expect(page.get_by_role("button", name="Publish my review")).to_have_count(0)
    assert Review.objects.get().rating == 4


def test_editing_and_deleting_work_without_javascript_R37(no_js_page, live_server, log_in, make_customer):
    page = no_js_page
    customer = make_customer(tier=Tier.PLUS, balance=10_000, user__username="daneshvar")
    book = BookFactory(title="Savushun", units=1)
    reserve(customer=customer, book=book, days=2)
    log_in(page, "daneshvar")
    page.goto(f"{live_server.url}/books/{book.pk}/")
    page.get_by_label("2 stars").check()
    page.get_by_role("button", name="Publish my review").click()
    expect(page.locator(".rating").first).to_contain_text("1 review")

    page.locator("summary", has_text="Change your review").click()
    page.get_by_label("5 stars").check()
    page.get_by_role("button", name="Save my review").click()
    expect(page.locator(".rating").first.get_by_role("img", name="5.0 out of 5")).to_be_visible()

    page.locator("summary", has_text="Change your review").click()
    page.get_by_role("button", name="Delete my review").click()
    expect(page.locator("ul.messages")).to_contain_text("Your review is deleted.")
    expect(page.locator(".rating").first).to_contain_text("No reviews yet")
    expect(page.get_by_role("button", name="Publish my review")).to_be_visible()
