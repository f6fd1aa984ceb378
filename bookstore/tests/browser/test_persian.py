"""R40 in a real browser: the Persian site is right to left, fits a phone, writes Jalali dates and Persian digits.

On the demo data (seed_demo), as a Persian reader sees it: a chromium whose locale is
fa-IR (so Accept-Language asks for Persian) at 390×844. The language switcher changes
the language and keeps the page, with or without JavaScript, and the search finds a
title with a zero-width non-joiner typed without it.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from bookstore.tests.browser.conftest import log_in_in_any_language
from catalog.models import Book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo-pass-2026"  # printed by seed_demo
PHONE = {"width": 390, "height": 844}
PERSIAN_DIGIT = re.compile("[۰-۹]")
JALALI_YEAR = re.compile("۱۴۰[۰-۹]/[۰-۹]{2}/[۰-۹]{2}")

# Latin digits a reader sees outside what people typed (titles, names, ISBNs carry dir="auto"/"ltr").
LATIN_DIGITS_SHOWN = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (!element || !/[0-9]/.test(node.textContent)) continue;
    if (element.closest('[dir="auto"], [dir="ltr"], [lang="en"], script, style, code, .visually-hidden')) continue;
    if (!element.checkVisibility()) continue;
    found.push(node.textContent.trim());
  }
  return found;
}"""


@pytest.fixture
def persian_page(browser):
    context = browser.new_context(locale="fa-IR", viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def assert_persian_page(page) -> str:
    """RTL Persian, no horizontal scroll at 390 px, Persian digits only; returns the visible text."""
    page.wait_for_load_state()
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url}: {overflow}px of horizontal scroll at 390px"
    assert page.evaluate(LATIN_DIGITS_SHOWN) == [], f"{page.url}: Latin digits shown"
    return page.locator("body").inner_text()


def log_in_persian(page, live_server, capfd, username: str) -> None:
    """The two login steps on the Persian pages."""
    page.goto(f"{live_server.url}/accounts/login/")
    assert_persian_page(page)
    log_in_in_any_language(page, live_server.url, capfd, username, DEMO_PASSWORD)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_switcher_changes_the_language_and_keeps_the_page(browser, live_server, demo, javascript):
    context = browser.new_context(locale="fa-IR", viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    book = Book.objects.get(title="کلیدر")
    address = f"{live_server.url}/books/{book.pk}/"
    page.goto(address)
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    page.get_by_role("button", name="English").click()
    page.wait_for_url(address)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("کلیدر")
    expect(page.locator("header")).to_contain_text("Catalog")
    page.get_by_role("button", name="فارسی").click()
    page.wait_for_url(address)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("header")).to_contain_text("فهرست کتاب‌ها")
    context.close()


def test_search_finds_a_title_with_a_zero_width_non_joiner_typed_without_it(persian_page, live_server, demo):
    page = persian_page
    title = Book.objects.filter(title__contains="\u200c").values_list("title", flat=True).first()
    assert title, "the demo data has a title with a zero-width non-joiner"
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox").fill(title.replace("\u200c", ""))
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    expect(page.locator("main")).to_contain_text(title)
    assert_persian_page(page)
