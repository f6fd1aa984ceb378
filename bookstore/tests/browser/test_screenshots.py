"""Screenshots of the main pages in Persian and English for the README, on the demo data (`make screenshots`).

Skipped unless SCREENSHOTS=1: `make test` need not rewrite the PNGs in docs/screenshots/
on every run. Each page is opened the way a user would, at 1280×900, once in each
language (R40): ``catalog-fa.png`` and ``catalog-en.png``, and so on.
"""

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from bookstore.tests.browser.conftest import log_in_in_any_language
from catalog.models import Book

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 (make screenshots)"),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DEMO_PASSWORD = "demo-pass-2026"  # printed by seed_demo
PAGES = {
    "catalog",
    "book",
    "my-reservations",
    "wallet",
    "cart",
    "my-orders",
    "wishlist",
    "subscription-confirm",
    "author-books",
    "admin-holders",
    "admin-dashboard",
}


def shoot(page, name: str, language: str) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.screenshot(path=SCREENSHOTS / f"{name}-{language}.png", animations="disabled", caret="hide")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_screenshots_of_the_main_pages(browser, live_server, capfd, language):
    call_command("seed_demo", stdout=io.StringIO())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kelidar = Book.objects.get(title="کلیدر")  # one copy on loan, two customers queued
    blind_owl = Book.objects.get(title="بوف کور")  # copies free: the reserve form
    context = browser.new_context(
        locale={"fa": "fa-IR", "en": "en-US"}[language], viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    base = live_server.url

    # A Plus customer: the catalog, a book to reserve, their loans, wallet, shop and an upgrade offer.
    log_in_in_any_language(page, base, capfd, "demo_plus", DEMO_PASSWORD)
    page.goto(f"{base}/")
    shoot(page, "catalog", language)
    page.goto(f"{base}/books/{blind_owl.pk}/")
    expect(page.locator("#id_days")).to_be_visible()
    shoot(page, "book", language)
    page.goto(f"{base}/reservations/")
    shoot(page, "my-reservations", language)
    page.goto(f"{base}/wallet/")
    shoot(page, "wallet", language)
    # The shop (R35, R36, R38): demo_plus left two books in the cart, has an order and a wish.
    for path, name in (("/cart/", "cart"), ("/orders/", "my-orders"), ("/wishlist/", "wishlist")):
        page.goto(f"{base}{path}")
        shoot(page, name, language)
    page.goto(f"{base}/subscription/confirm/?tier=premium&months=1")
    expect(page.locator("#refund")).to_be_visible()
    shoot(page, "subscription-confirm", language)

    # An author's books.
    context.clear_cookies()
    log_in_in_any_language(page, base, capfd, "demo_author", DEMO_PASSWORD)
    page.goto(f"{base}/author/books/")
    shoot(page, "author-books", language)

    # The admin: a book's holders and queue, and the dashboard.
    context.clear_cookies()
    log_in_in_any_language(page, base, capfd, "admin", DEMO_PASSWORD)
    page.goto(f"{base}/admin/catalog/book/{kelidar.pk}/holders/")
    expect(page.locator("#queue")).to_be_visible()
    shoot(page, "admin-holders", language)
    page.goto(f"{base}/admin/dashboard/")
    shoot(page, "admin-dashboard", language)
    context.close()

    names = {path.stem for path in SCREENSHOTS.glob(f"*-{language}.png")}
    assert names >= {f"{name}-{language}" for name in PAGES}
