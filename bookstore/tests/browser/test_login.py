"""The two-step login in a real browser (R21)."""

import pytest

from accounts.tests.factories import UserFactory
from bookstore.tests.browser.conftest import assert_accessible_basics

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_with_the_code_printed_by_the_sms_backend(page, live_server, log_in):
    UserFactory(username="sara")
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible_basics(page)
    log_in(page, "sara")
    assert "sara" in page.locator("header").inner_text()
