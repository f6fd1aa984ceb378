"""Accessibility basics on every main page in a real browser: one h1, labelled fields, alt text.

The admin site names itself in a <div> (templates/admin/base_site.html), so its pages
have one h1 too and get the same checks as ours.
"""

import pytest

from accounts.models import Notification, Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from bookstore.tests.browser.conftest import CODE, PASSWORD, assert_accessible_basics
from catalog.tests.factories import BookFactory, GenreFactory
from reservations.services import reserve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_pages(page, base_url: str, paths: list[str], check=assert_accessible_basics, status: int = 200) -> None:
    """Open each path and run `check` on it; report every failing page at once."""
    failures = []
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        try:
            assert response.status == status, f"{path}: status {response.status}"
            check(page)
        except AssertionError as error:
            failures.append(f"{path}: {error}")
    assert not failures, "\n".join(failures)


@pytest.fixture
def library(make_customer):
    """A small library: two books (one with a holder and a queue), a customer with history, an author."""
    genre = GenreFactory(name="Novel", slug="novel")
    author = AuthorFactory(user__username="writer", user__first_name="Simin", user__last_name="Daneshvar")
    free_book = BookFactory(title="سووشون", units=2, genre=genre, authors=[author], description="رمانی درباره‌ی شیراز.")
    busy_book = BookFactory(title="The Blind Owl", units=1, genre=genre)
    reader = make_customer(tier=Tier.PLUS, balance=60_000, user__username="reader")
    other = make_customer(tier=Tier.PREMIUM, balance=60_000, user__username="other")
    reserve(customer=reader, book=free_book, days=3)
    reserve(customer=other, book=busy_book, days=5)
    reserve(customer=reader, book=busy_book, days=2)  # queued behind `other`
    Notification.objects.create(
        user=reader.user, kind=Notification.Kind.ENDING_SOON, message="“سووشون” is due back tomorrow."
    )
    UserFactory(username="boss", role=Role.ADMIN, is_superuser=True)
    return {"free_book": free_book, "busy_book": busy_book, "author": author}


def test_anonymous_pages_have_the_accessibility_basics(page, live_server, library, capfd):
    """Catalog, book, signup, login, and the code page after step one."""
    book = library["free_book"]
    check_pages(
        page,
        live_server.url,
        ["/", "/?q=owl&genre=novel&available=1", f"/books/{book.pk}/", "/accounts/signup/", "/accounts/login/"],
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("6-digit code from the SMS").wait_for()
    assert CODE.search(capfd.readouterr().out)
    assert_accessible_basics(page)


def test_customer_pages_have_the_accessibility_basics(page, live_server, log_in, library):
    """Catalog and book as a customer, reservations, wallet, subscription and its offer, profile, notifications."""
    log_in(page, "reader")
    check_pages(
        page,
        live_server.url,
        [
            "/",
            f"/books/{library['free_book'].pk}/",
            f"/books/{library['busy_book'].pk}/",
            "/reservations/",
            "/wallet/",
            "/wallet/?amount=2500",
            "/subscription/",
            "/subscription/confirm/?tier=premium&months=1",
            "/subscription/confirm/?tier=plus&months=2",
            "/accounts/profile/",
            "/accounts/profile/contact/",
            "/accounts/profile/password/",
            "/accounts/notifications/",
        ],
    )


def test_author_pages_have_the_accessibility_basics(page, live_server, log_in, library):
    """My books, add a book, edit a book, the author's profile and the 403 page."""
    log_in(page, "writer")
    check_pages(
        page,
        live_server.url,
        [
            "/author/books/",
            "/author/books/new/",
            f"/author/books/{library['free_book'].pk}/edit/",
            "/accounts/profile/",
            "/accounts/notifications/",
        ],
    )
    check_pages(page, live_server.url, [f"/author/books/{library['busy_book'].pk}/edit/"], status=403)


def test_admin_pages_have_the_accessibility_basics(page, live_server, log_in, library):
    """The holders view and the dashboard, and the admin's index, lists and a change form."""
    log_in(page, "boss", start="/admin/")
    busy_book = library["busy_book"]
    check_pages(
        page,
        live_server.url,
        [
            f"/admin/catalog/book/{busy_book.pk}/holders/",
            "/admin/dashboard/",
            "/admin/",
            "/admin/catalog/book/",
            f"/admin/catalog/book/{busy_book.pk}/change/",
            "/admin/reservations/reservation/",
            "/admin/billing/wallettransaction/",
            "/admin/accounts/user/",
        ],
    )


def test_the_checks_catch_a_second_h1_an_unlabelled_field_and_an_image_without_alt(page):
    """The checker itself fails on each problem it is meant to find."""
    problems = {
        "<h1>One</h1><h1>Two</h1>": "expected one <h1>",
        "<h1>One</h1><input name='q'>": "a field without a label",
        "<h1>One</h1><img src='data:,'>": "an image without alt text",
    }
    for html, complaint in problems.items():
        page.set_content(html)
        with pytest.raises(AssertionError, match=complaint):
            assert_accessible_basics(page)
    page.set_content("<h1>One</h1><label>Words <input name='q'></label><img src='data:,' alt=''>")
    assert_accessible_basics(page)
