"""An admin's flow in a real browser: end a loan in the holders view, the queue is served (R25, R13)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role, Tier
from accounts.tests.factories import UserFactory
from catalog.tests.factories import BookFactory
from reservations.models import EndReason, Status
from reservations.services import reserve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_ends_a_loan_and_sees_the_next_customer_promoted_R25(page, live_server, log_in, make_customer):
    book = BookFactory(title="Kelidar", units=1)
    holder = make_customer(tier=Tier.PLUS, balance=20_000, user__username="holder")
    waiting = make_customer(tier=Tier.PLUS, balance=20_000, user__username="waiting")
    loan = reserve(customer=holder, book=book, days=7)
    queued = reserve(customer=waiting, book=book, days=4)
    assert (loan.status, queued.status) == (Status.ACTIVE, Status.QUEUED)
    UserFactory(username="librarian", role=Role.ADMIN, is_superuser=True)

    # /admin/ sends the browser through both login steps and back.
    log_in(page, "librarian", start="/admin/")
    expect(page).to_have_url(f"{live_server.url}/admin/")

    # From the book list to the book's holders and queue.
    page.locator("#content-main").get_by_role("link", name="Books", exact=True).click()
    page.locator("tr", has_text="Kelidar").get_by_role("link", name="Holders and queue").click()
    expect(page).to_have_url(f"{live_server.url}/admin/catalog/book/{book.pk}/holders/")
    expect(page.locator(f"#holders tr[data-reservation='{loan.pk}']")).to_contain_text("holder")
    expect(page.locator(f"#queue tr[data-reservation='{queued.pk}']")).to_contain_text("waiting")

    page.locator(f"#holders tr[data-reservation='{loan.pk}']").get_by_role("button", name="End early").click()
    expect(page.locator("#confirm-question")).to_contain_text("End this loan early?")
    page.get_by_role("button", name="Yes, end it early").click()

    messages = page.locator("ul.messagelist")
    expect(messages).to_contain_text(f"Reservation #{loan.pk} of")
    expect(messages).to_contain_text("ended early")
    expect(messages).to_contain_text(f"now holds the book (#{queued.pk})")
    expect(page).to_have_url(f"{live_server.url}/admin/catalog/book/{book.pk}/holders/")
    expect(page.locator("#holders tbody tr")).to_have_count(1)
    expect(page.locator(f"#holders tr[data-reservation='{queued.pk}']")).to_contain_text("waiting")
    expect(page.locator("#queue")).to_have_count(0)
    expect(page.get_by_role("region", name="Queue (0)")).to_contain_text("Nobody is waiting for this book.")

    loan.refresh_from_db()
    queued.refresh_from_db()
    assert (loan.status, loan.end_reason) == (Status.ENDED_BY_ADMIN, EndReason.ENDED_BY_ADMIN)
    assert queued.status == Status.ACTIVE and queued.price == 4_000
    book.refresh_from_db()
    assert book.units_on_loan == 1
