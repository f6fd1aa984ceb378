"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Never a downloaded browser: the launch names /usr/bin/chromium (installed by `make test`).
"""

import os
import re

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make to set up data are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
CODE = re.compile(r"SMS to \+\d+: Your Bookstore code is (\d{6})")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def log_in(live_server, capfd):
    """log_in(page, username, password=PASSWORD): both steps in the browser, code read from the console."""

    def _log_in(page, username: str, password: str = PASSWORD) -> None:
        capfd.readouterr()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name=re.compile("code", re.I)).click()
        codes = CODE.findall(capfd.readouterr().out)
        assert codes, "the console SMS backend printed no code"
        page.get_by_label(re.compile("code", re.I)).fill(codes[-1])
        page.get_by_role("button", name=re.compile("log in", re.I)).click()
        page.wait_for_load_state()

    return _log_in


def assert_accessible_basics(page) -> None:
    """One h1, a label for every visible form field, alt text on every image."""
    assert page.locator("h1").count() == 1, f"{page.url}: expected one <h1>"
    fields = page.locator(
        "input:not([type=hidden]):not([type=submit]):not([type=button]):visible, select:visible, textarea:visible"
    )
    for index in range(fields.count()):
        field = fields.nth(index)
        field_id = field.get_attribute("id")
        labelled = (field_id and page.locator(f"label[for='{field_id}']").count()) or field.get_attribute("aria-label")
        assert labelled, f"{page.url}: a field without a label: {field.evaluate('e => e.outerHTML')}"
    images = page.locator("img")
    for index in range(images.count()):
        assert images.nth(index).get_attribute("alt") is not None, f"{page.url}: an image without alt text"
