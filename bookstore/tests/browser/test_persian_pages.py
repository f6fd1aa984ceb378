"""R40 on every page: in Persian each is right to left, fits 390 px, shows Persian digits and Jalali dates.

On the demo data (seed_demo), as a Persian reader sees it (chromium in fa-IR at 390×844):
a visitor, a Plus customer (demo_plus: loans, a queue, a ledger), an author (demo_author)
and the admin each open their pages. Each case is one (user, page), so a failure names it.

Seeding the demo and logging in cost about 2 s, and pytest-django's ``live_server`` makes
every test transactional (the tables emptied after each). So this module seeds once and
serves the site from a live server of its own, each user logs in once (one browser
context per user), and the tables are emptied when the module is done. The pages only
read, except the refused cover upload, which changes nothing.
"""

import io
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

import pytest
from django.core.management import call_command
from django.test import override_settings
from persiantools.digits import en_to_fa
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from bookstore.tests.browser.conftest import log_in_in_any_language
from bookstore.tests.browser.test_persian import (
    DEMO_PASSWORD,
    JALALI_YEAR,
    LATIN_DIGITS_SHOWN,
    PHONE,
    assert_persian_page,
)
from catalog.models import Book

# Each test runs in a transaction rolled back after it (what the test itself writes: nothing);
# the demo data, committed before the first test, stays for the module (demo_site).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# A Gregorian date a Persian page must not show: a year 19xx/20xx in Persian digits next to
# a month, or a Gregorian month's Persian name (assert_persian_page catches Latin digits).
GREGORIAN = re.compile("[۱۲][۹۰][۰-۹]{2}[/-][۰-۹]|ژانویه|فوریه|آوریل|ژوئن|ژوئیه|سپتامبر|اکتبر|نوامبر|دسامبر")

TIMES_SHOWN = "() => [...document.querySelectorAll('body time')].filter(e => e.checkVisibility()).map(e => e.innerText)"

# The page's own words (headings, column heads, labels, buttons, help texts, errors,
# messages) in English: what people typed (titles, names) carries dir="auto"/"ltr" or
# <bdi>, a label around a choice holds data (a co-author's name), and file formats and
# such names are written the same in Persian.
ENGLISH_WORDS_SHOWN = """() => {
  const typed = '[dir="auto"], [dir="ltr"], [lang="en"], bdi, code, script, style, .visually-hidden';
  const names = /\\b(JPEG|PNG|WebP|ISBN|SMS|API)\\b/g;
  const own = 'h1, h2, h3, caption, thead th, th[scope="row"], legend, label, button, input[type="submit"], ' +
    '.helptext, .errorlist, [role="alert"], ul.messages';
  const found = [];
  for (const element of document.body.querySelectorAll(own)) {
    if (element.closest(typed) || !element.checkVisibility()) continue;
    if (element.matches('label') && element.querySelector('input, select, textarea')) continue;
    const copy = element.cloneNode(true);
    copy.querySelectorAll(typed).forEach(inner => inner.remove());
    const text = (element.matches('input') ? element.value : copy.textContent).replace(/\\s+/g, ' ').trim();
    if (/[A-Za-z]{2,}/.test(text.replace(names, ''))) found.push(text);
  }
  return [...new Set(found)];
}"""

# The books that paths name, found by title: {book} has a loan and a queue; {author_book} is demo_author's.
BOOKS = {"book": "کلیدر", "author_book": "Letters from the Lending Library"}
NOT_AN_IMAGE = {"name": "cover.png", "mimeType": "image/png", "buffer": b"just some text, renamed .png"}


class Case(NamedTuple):
    user: str | None  # None: a visitor
    path: str
    status: int = 200
    jalali_in: str | None = None  # a selector whose first match must show a Jalali date
    shows: str | None = None  # a selector that must be visible
    refuse_a_cover: bool = False  # submit a text file as the cover first (the form's error page)

    @property
    def id(self) -> str:
        return f"{self.user or 'visitor'}:{self.path}{':refused-cover' if self.refuse_a_cover else ''}"


CASES = [
    Case(None, "/", shows="main .book-card"),
    Case(None, "/?q=کور", shows="main .book-card a:text-is('بوف کور')"),
    Case(None, "/books/{book}/"),
    Case(None, "/accounts/login/", shows="#id_username"),
    Case(None, "/accounts/signup/", shows="#id_username"),
    Case(None, "/no-such-page/", status=404),
    Case("demo_plus", "/", shows="main .book-card"),
    Case("demo_plus", "/books/{book}/"),
    Case("demo_plus", "/reservations/", jalali_in="main tbody time"),
    Case("demo_plus", "/wallet/", jalali_in="section[aria-labelledby='ledger-heading'] tbody tr time"),
    Case("demo_plus", "/subscription/"),
    Case("demo_plus", "/subscription/confirm/?tier=premium&months=1", shows="#refund"),
    Case("demo_plus", "/accounts/profile/"),
    Case("demo_plus", "/accounts/notifications/"),
    Case("demo_plus", "/accounts/profile/password/"),
    Case("demo_plus", "/accounts/profile/contact/"),
    Case("demo_author", "/author/books/"),
    Case("demo_author", "/author/books/new/"),
    Case("demo_author", "/author/books/{author_book}/edit/", shows="#cover #id_cover"),
    Case(
        "demo_author", "/author/books/{author_book}/edit/", status=400, shows="#cover .errorlist", refuse_a_cover=True
    ),
    Case("admin", "/admin/"),
    Case("admin", "/admin/catalog/book/{book}/holders/", shows="#queue"),
    Case("admin", "/admin/dashboard/"),
    Case("admin", "/admin/catalog/book/", shows="#result_list"),
]

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the root conftest's fast_password_hashing


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    """The demo data, seeded once, served by this module's live server; the tables are emptied after."""
    with django_db_blocker.unblock():
        with override_settings(PASSWORD_HASHERS=MD5):
            call_command("seed_demo", stdout=io.StringIO())
        server = LiveServer("localhost")
        try:
            yield server
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def persian_contexts(browser) -> Iterator[dict]:
    """One fa-IR phone-sized browser context per user, logged in once, kept for the module."""
    contexts: dict = {}
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.fixture
def persian_page_as(browser, demo_site, persian_contexts, capfd) -> Callable:
    """persian_page_as(username or None) -> a page of that user's context, logging in the first time."""

    def _page_as(user: str | None):
        if user not in persian_contexts:
            context = browser.new_context(locale="fa-IR", viewport=PHONE)
            page = context.new_page()
            try:
                if user:
                    log_in_in_any_language(page, demo_site.url, capfd, user, DEMO_PASSWORD)
            except BaseException:
                context.close()
                raise
            persian_contexts[user] = context
        return persian_contexts[user].pages[0]

    return _page_as


def assert_jalali_dates(page, jalali_in: str | None) -> None:
    """Every date shown is Jalali, and where the page must show one (jalali_in) it does (R40)."""
    text = page.locator("body").inner_text()
    gregorian = GREGORIAN.search(text)
    assert gregorian is None, f"{page.url}: a Gregorian date shown: {gregorian and gregorian[0]}"
    not_jalali = [shown for shown in page.evaluate(TIMES_SHOWN) if not JALALI_YEAR.search(shown)]
    assert not_jalali == [], f"{page.url}: <time> elements without a Jalali date: {not_jalali}"
    if jalali_in:
        dates = page.locator(jalali_in)
        assert dates.count() > 0, f"{page.url}: no date at {jalali_in}"
        assert JALALI_YEAR.search(dates.first.inner_text()), f"{page.url}: {dates.first.inner_text()!r} is not Jalali"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_page_speaks_persian_right_to_left_in_390px_with_jalali_dates_R40(persian_page_as, demo_site, case):
    """R40: lang fa, dir rtl, no horizontal scroll at 390 px, Persian digits, Jalali dates, Persian words."""
    page = persian_page_as(case.user)
    ids = {name: Book.objects.get(title=title).pk for name, title in BOOKS.items()}
    response = page.goto(demo_site.url + case.path.format(**ids))
    if case.refuse_a_cover:
        page.locator("#id_cover").set_input_files(NOT_AN_IMAGE)
        with page.expect_navigation() as navigation:
            page.locator("#cover button[type=submit]:not([name=remove])").click()
        response = navigation.value
    assert response.status == case.status, f"{page.url}: status {response.status}, not {case.status}"
    if case.shows:
        assert page.locator(case.shows).first.is_visible(), f"{page.url}: nothing visible at {case.shows}"

    assert_persian_page(page)
    assert_jalali_dates(page, case.jalali_in)
    english = page.evaluate(ENGLISH_WORDS_SHOWN)
    assert english == [], f"{page.url}: the page's own words in English: {english}"


def test_the_admin_selection_counter_stays_in_persian_digits_as_boxes_are_ticked_R40(persian_page_as, demo_site):
    """Django's actions.js rewrites the counter on each tick in Latin digits; static/js/admin-digits.js converts it."""
    page = persian_page_as("admin")
    page.goto(demo_site.url + "/admin/catalog/book/")
    count = en_to_fa(str(Book.objects.count()))
    boxes = page.locator("#result_list input.action-select")
    boxes.nth(0).check()
    boxes.nth(1).check()
    counter = page.locator(".action-counter")
    expect(counter).to_have_text(f"۲ از {count} انتخاب شده‌اند")
    page.locator("#action-toggle").check()
    expect(counter).to_have_text(f"{count} از {count} انتخاب شده‌اند")
    assert page.evaluate(LATIN_DIGITS_SHOWN) == []


def test_the_checks_catch_english_words_gregorian_dates_and_a_missing_jalali_date(browser):
    """The checks above fail on each problem they are meant to find, and pass a Persian page (R40)."""
    context = browser.new_context(locale="fa-IR", viewport=PHONE)
    page = context.new_page()
    page.set_content("<h1>Your profile</h1><label>Name <bdi>Ali</bdi></label><button>ذخیره</button>")
    assert page.evaluate(ENGLISH_WORDS_SHOWN) == ["Your profile", "Name"]
    problems = {
        "<p>شارژ در ۲۰۲۶/۱۲/۰۳</p>": "a Gregorian date shown",
        "<p>۳ دسامبر</p>": "a Gregorian date shown",
        "<time>۰۳:۱۲</time>": "<time> elements without a Jalali date",
        "<table><tbody><tr><td>شارژ</td></tr></tbody></table>": "no date at tbody time",
    }
    for html, complaint in problems.items():
        page.set_content(html)
        with pytest.raises(AssertionError, match=complaint):
            assert_jalali_dates(page, "tbody time")
    page.set_content(
        "<h1>کیف پول</h1><label for=a>مبلغ (تومان)</label><input id=a><span class=helptext>JPEG یا PNG</span>"
        "<h2>ویرایش «<bdi>Animal Farm</bdi>»</h2>"
        "<table><tbody><tr><td><time>۱۴۰۵/۰۹/۱۲ ۱۷:۳۴</time></td></tr></tbody></table>"
    )
    assert page.evaluate(ENGLISH_WORDS_SHOWN) == []
    assert_jalali_dates(page, "tbody time")
    context.close()
