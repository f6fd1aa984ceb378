"""Every page works under the strict Content-Security-Policy, in a real browser (issue 14).

Each test opens every page one kind of visitor sees (anonymous, customer, author, admin,
Swagger UI) and fails on anything Chromium reports about a policy: a console message naming
the Content Security Policy ("Applying inline style violates the following Content Security
Policy directive…"; older versions say "Refused to…"), a `securitypolicyviolation` event, an
error in the Permissions-Policy header (a feature Chromium does not know), or an uncaught
page error. ReDoc is not served (no URL), so there is no ReDoc page to visit.
"""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Notification, Role, Tier
from accounts.tests.factories import AuthorFactory, UserFactory
from billing.services import charge_wallet
from catalog.tests.factories import BookFactory
from reservations.models import Status
from reservations.services import reserve, return_reservation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLICY_MESSAGE = re.compile(r"Content.Security.Policy|Refused to|Permissions.Policy|securitypolicyviolation", re.I)
# Added to every document before its own scripts, so that a violation the console might word
# differently is still reported, with the directive it broke and where.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.URL}:${event.lineNumber} (${event.sample || ""})`);
});
"""


class PolicyWatch:
    """Collects what the browser says about policies on `page`, with the page it was said on."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: page error: {error}"))

    def _console(self, message) -> None:
        if POLICY_MESSAGE.search(message.text):
            self.problems.append(f"{self.page.url}: console {message.type}: {message.text}")

    def visit(self, path: str, status: int = 200) -> None:
        """Open `path` (up to its load event, when its own scripts have run) and check the answer's status."""
        response = self.page.goto(f"{self.base_url}{path}")
        assert response is not None and response.status == status, f"{path}: {response and response.status}"

    def assert_clean(self) -> None:
        self.page.wait_for_load_state("networkidle")  # what the last page still had to say
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def watch(page, live_server):
    return PolicyWatch(page, live_server.url)


@pytest.fixture
def library(make_customer):
    """A customer with a loan, a place in a queue, a returned book, ledger rows and a notification."""
    customer = make_customer(tier=Tier.PLUS, balance=200_000, user__username="reader")
    charge_wallet(customer=customer, amount=50_000, idempotency_key="csp-charge")  # a gateway charge row
    other = make_customer(tier=Tier.PREMIUM, balance=200_000, user__username="other")
    on_loan = BookFactory(title="Kelidar", units=1)
    wanted = BookFactory(title="بوف کور", units=1, description="A novella.")
    returned = BookFactory(title="Returned", units=2)
    reserve(customer=customer, book=on_loan, days=7)
    reserve(customer=other, book=wanted, days=3)
    queued = reserve(customer=customer, book=wanted, days=4)
    assert queued.status == Status.QUEUED
    return_reservation(customer=customer, reservation=reserve(customer=customer, book=returned, days=2))
    Notification.objects.create(
        user=customer.user, kind=Notification.Kind.ENDING_SOON, message="Kelidar is due back tomorrow."
    )
    author = AuthorFactory(user__username="writer")
    own = BookFactory(title="Own book", units=3, authors=[author])
    return {"customer": customer, "author": author, "own": own, "on_loan": on_loan, "wanted": wanted}


def test_anonymous_pages_keep_to_the_policy(page, watch, library):
    book = library["wanted"]
    for path in ("/", "/?q=owl&available=on", f"/books/{book.pk}/", "/accounts/login/", "/accounts/signup/"):
        watch.visit(path)
    watch.visit("/no-such-page/", status=404)
    # Forms with errors shown, and the code step after a password.
    page.goto(f"{watch.base_url}/accounts/signup/")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    watch.visit("/accounts/login/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name=re.compile("code", re.I)).click()
    expect(page.get_by_label(re.compile("code", re.I))).to_be_visible()
    assert "/accounts/login/code/" in page.url
    watch.assert_clean()


def test_a_customers_pages_keep_to_the_policy(page, watch, library, log_in):
    log_in(page, "reader")  # the login and code pages, watched too
    for path in (
        "/",
        f"/books/{library['on_loan'].pk}/",
        f"/books/{library['wanted'].pk}/",
        "/accounts/profile/",
        "/accounts/profile/contact/",
        "/accounts/profile/password/",
        "/wallet/",
        "/subscription/",
        "/subscription/confirm/?tier=premium&months=1",
        "/subscription/confirm/?tier=plus&months=3",
        "/reservations/",
        "/accounts/notifications/",
    ):
        watch.visit(path)
    expect(page.locator(".notification")).to_have_count(1)
    watch.visit("/author/books/", status=403)
    watch.assert_clean()


def test_an_authors_pages_keep_to_the_policy(page, watch, library, log_in):
    log_in(page, "writer")
    for path in (
        "/author/books/",
        "/author/books/new/",
        f"/author/books/{library['own'].pk}/edit/",
        "/accounts/profile/",
        f"/books/{library['own'].pk}/",
    ):
        watch.visit(path)
    watch.visit(f"/author/books/{library['on_loan'].pk}/edit/", status=403)  # another author's book
    # A form sent back with errors (an ISBN whose checksum fails).
    watch.visit("/author/books/new/")
    page.get_by_label("Title").fill("Draft")
    page.get_by_label("ISBN").fill("978-0-00-000000-1")
    page.get_by_label("List price (toman)").fill("1000")
    page.get_by_label("Genre").select_option(index=1)
    page.get_by_label("Units (copies the library owns)").fill("1")
    page.get_by_role("button", name="Add the book").click()
    expect(page.locator("[role=alert]")).to_be_visible()
    watch.assert_clean()


def admin_pages(user) -> list[str]:
    """Each registered model's list (and searched), add form if `user` may add, a row's change and history pages."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = []
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{name}_changelist"), reverse(f"{name}_changelist") + "?q=a"]
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            pages += [reverse(f"{name}_change", args=[row.pk]), reverse(f"{name}_history", args=[row.pk])]
    return pages


def test_an_admins_pages_keep_to_the_policy(page, watch, library, log_in):
    librarian = UserFactory(username="librarian", role=Role.ADMIN, is_superuser=True)
    log_in(page, "librarian", start="/admin/")
    book = library["wanted"]
    customer = library["customer"]
    watch.visit("/admin/")
    watch.visit("/admin/dashboard/")
    expect(page.locator("svg.chart")).to_have_count(4)  # reservations, revenue, sales, and queues (one book has one)
    # Drawn at its natural width, shrunk to a narrow window by admin.css (no style attribute).
    assert page.locator("#chart-reservations").bounding_box()["width"] == 760
    page.set_viewport_size({"width": 480, "height": 900})
    assert page.locator("#chart-reservations").bounding_box()["width"] < 480
    page.set_viewport_size({"width": 1280, "height": 900})
    watch.visit(f"/admin/catalog/book/{book.pk}/holders/")
    expect(page.locator("#queue")).to_be_visible()
    watch.visit(f"/admin/catalog/book/{book.pk}/delete/")
    watch.visit(f"/admin/accounts/user/{customer.user.pk}/password/")
    watch.visit("/admin/password_change/")
    pages = admin_pages(librarian)
    names = {path.split("/")[3] for path in pages}
    assert {"user", "book", "customer", "reservation", "wallettransaction"} <= names
    for path in pages:
        watch.visit(path)
    assert len(pages) > 40

    # The admin's own scripts at work: the action checkboxes, the calendar, the two-box permission picker.
    watch.visit("/admin/catalog/book/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    watch.visit(f"/admin/accounts/user/{customer.user.pk}/change/")
    page.locator("a[id^=calendarlink]").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.locator("#id_user_permissions_from option").first.dblclick()
    expect(page.locator("#id_user_permissions_to option")).to_have_count(1)
    watch.assert_clean()


def test_swagger_ui_renders_and_runs_under_the_policy(page, watch, library):
    watch.visit("/api/docs/")
    page.wait_for_load_state("networkidle")  # the schema is fetched after the page has loaded
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Bookstore API")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    # Open an operation, try it out: the request and the highlighted answer render too.
    books = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/books/']")).first
    books.locator(".opblock-summary").click()
    books.get_by_role("button", name="Try it out").click()
    books.get_by_role("button", name="Execute").click()
    expect(books.locator(".live-responses-table tbody .response-col_status")).to_contain_text("200")
    expect(books.locator(".microlight, .highlight-code").first).to_be_visible()
    # The Authorize dialog.
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    expect(page.locator(".modal-ux")).to_be_visible()
    page.locator(".modal-ux .close-modal").click()
    watch.assert_clean()


def test_the_watch_catches_an_inline_style(page, watch, live_server):
    """The watch itself: a page of this site that sets an inline style and runs an inline script."""
    watch.visit("/accounts/login/")
    page.evaluate(
        """() => {
          const div = document.createElement("div");
          div.innerHTML = '<p style="color: red">red</p>';
          document.body.append(div);
          const script = document.createElement("script");
          script.textContent = "window.ran = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran") is None  # the inline script did not run
    assert any("style-src" in problem for problem in watch.problems), watch.problems
    assert any("script-src" in problem for problem in watch.problems), watch.problems
    watch.problems.clear()
    watch.assert_clean()
