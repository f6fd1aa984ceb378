"""The wishlist in a real browser (R38): wish a book none free, another reader returns theirs, the alert shows."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Notification, Tier
from catalog.tests.factories import BookFactory
from reservations.services import reserve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wished_book_returned_by_another_reader_shows_in_notifications_R38(
    page, browser, browser_context_args, live_server, log_in, make_customer
):
    wisher = make_customer(tier=Tier.FREE, user__username="golnar")
    holder = make_customer(tier=Tier.PLUS, balance=20_000, user__username="bahram")
    book = BookFactory(title="Jai-e Khali-e Soluch", units=1, stock=0)
    reserve(customer=holder, book=book, days=3)

    log_in(page, "golnar")
    page.goto(f"{live_server.url}/books/{book.pk}/")
    expect(page.locator("#availability")).to_contain_text("None free")
    page.get_by_role("button", name="Add to my wishlist").click()
    expect(page.locator("ul.messages")).to_contain_text("is on your wishlist")
    expect(page.get_by_role("button", name="Remove from my wishlist")).to_be_visible()

    # Another reader returns their copy in their own browser, from my reservations.
    other = browser.new_context(**browser_context_args)
    holder_page = other.new_page()
    log_in(holder_page, "bahram")
    holder_page.goto(f"{live_server.url}/reservations/")
    holder_page.get_by_role("row", name=re.compile("Jai-e Khali-e Soluch")).get_by_role(
        "button", name=re.compile("Return")
    ).click()
    expect(holder_page.locator("ul.messages")).to_contain_text("You returned")
    other.close()

    page.goto(f"{live_server.url}/accounts/notifications/")
    alert = "“Jai-e Khali-e Soluch” from your wishlist has a copy free to borrow now."
    expect(page.locator("main")).to_contain_text(alert)
    assert Notification.objects.filter(user=wisher.user, kind=Notification.Kind.WISHED_FREE).count() == 1
    assert not Notification.objects.filter(user=holder.user, kind=Notification.Kind.WISHED_FREE).exists()

    page.goto(f"{live_server.url}/wishlist/")
    row = page.get_by_role("row", name=re.compile("Jai-e Khali-e Soluch"))
    expect(row).to_contain_text("1 available")
    row.get_by_role("button", name=re.compile("Remove")).click()
    expect(page.locator("ul.messages")).to_contain_text("is off your wishlist")
    expect(page.locator("main")).to_contain_text("Your wishlist is empty")
