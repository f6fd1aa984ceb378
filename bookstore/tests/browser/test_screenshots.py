"""Screenshots of the main pages for the README, taken on the demo data (`make screenshots`).

Skipped unless SCREENSHOTS=1: `make test` need not rewrite the PNGs in docs/screenshots/
on every run. Each page is opened the way a user would, at 1280×900.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.models import Book

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 (make screenshots)"),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DEMO_PASSWORD = "demo-pass-2026"  # printed by seed_demo


def shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", animations="disabled", caret="hide")


def test_screenshots_of_the_main_pages(page, live_server, log_in):
    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kelidar = Book.objects.get(title="کلیدر")  # one copy on loan, two customers queued
    blind_owl = Book.objects.get(title="بوف کور")  # copies free: the reserve form

    # A Plus customer: the catalog, a book to reserve, their loans, wallet and an upgrade offer.
    log_in(page, "demo_plus", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    shoot(page, "catalog")
    page.goto(f"{live_server.url}/books/{blind_owl.pk}/")
    expect(page.get_by_label("Days")).to_be_visible()
    shoot(page, "book")
    page.goto(f"{live_server.url}/reservations/")
    shoot(page, "my-reservations")
    page.goto(f"{live_server.url}/wallet/")
    page.get_by_label("Amount (toman)").fill("250000")
    page.get_by_role("button", name="Pay and charge").click()
    expect(page.locator("ul.messages")).to_contain_text("Charged 250,000 toman")
    shoot(page, "wallet")
    page.goto(f"{live_server.url}/subscription/")
    page.get_by_label("Tier").select_option("premium")
    page.get_by_role("button", name="See the price").click()
    expect(page.locator("#refund")).to_be_visible()
    shoot(page, "subscription-confirm")

    # An author's books.
    page.context.clear_cookies()
    log_in(page, "demo_author", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/author/books/")
    shoot(page, "author-books")

    # The admin: a book's holders and queue, and the dashboard.
    page.context.clear_cookies()
    log_in(page, "admin", DEMO_PASSWORD, start="/admin/")
    page.goto(f"{live_server.url}/admin/catalog/book/{kelidar.pk}/holders/")
    expect(page.locator("#queue")).to_be_visible()
    shoot(page, "admin-holders")
    page.goto(f"{live_server.url}/admin/dashboard/")
    shoot(page, "admin-dashboard")

    names = {path.stem for path in SCREENSHOTS.glob("*.png")}
    assert names >= {
        "catalog",
        "book",
        "my-reservations",
        "wallet",
        "subscription-confirm",
        "author-books",
        "admin-holders",
        "admin-dashboard",
    }
