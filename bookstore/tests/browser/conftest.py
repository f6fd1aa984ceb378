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
    """log_in(page, username, password=PASSWORD, start=None): both steps in the browser, code read from the console.

    `start` is a path that needs a login (such as "/admin/"): the browser opens it, is sent
    to the login page, and after the code lands back on it.
    """

    def _log_in(page, username: str, password: str = PASSWORD, start: str | None = None) -> None:
        capfd.readouterr()
        page.goto(f"{live_server.url}{start or '/accounts/login/'}")
        assert "/accounts/login/" in page.url, f"{start} did not ask to log in"
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name=re.compile("code", re.I)).click()
        code_field = page.get_by_label(re.compile("code", re.I))
        code_field.wait_for()  # the code page is shown once the SMS is out
        codes = CODE.findall(capfd.readouterr().out)
        assert codes, "the console SMS backend printed no code"
        code_field.fill(codes[-1])
        page.get_by_role("button", name=re.compile("log in", re.I)).click()
        # A wrong code shows the code page again; a right one leaves the login pages.
        page.wait_for_url(lambda url: "/accounts/login" not in url, timeout=10_000)
        page.wait_for_load_state()

    return _log_in


@pytest.fixture
def no_js_page(browser, browser_context_args):
    """A page in a browser context with JavaScript turned off."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def assert_fields_labelled(page) -> None:
    """Every visible form field has a <label> (for=... or around it), an aria-label or aria-labelledby."""
    fields = page.locator(
        "input:not([type=hidden]):not([type=submit]):not([type=button]):visible, select:visible, textarea:visible"
    )
    for index in range(fields.count()):
        field = fields.nth(index)
        labelled = field.evaluate(
            "e => e.labels.length > 0 || !!e.getAttribute('aria-label') || !!e.getAttribute('aria-labelledby')"
        )
        assert labelled, f"{page.url}: a field without a label: {field.evaluate('e => e.outerHTML')}"


def assert_images_have_alt(page) -> None:
    images = page.locator("img")
    for index in range(images.count()):
        assert images.nth(index).get_attribute("alt") is not None, f"{page.url}: an image without alt text"


def assert_accessible_basics(page) -> None:
    """One h1, a label for every visible form field, alt text on every image."""
    assert page.locator("h1").count() == 1, f"{page.url}: expected one <h1>"
    assert_fields_labelled(page)
    assert_images_have_alt(page)


def log_in_in_any_language(page, base_url: str, capfd, username: str, password: str) -> None:
    """Both login steps by the fields' ids, so the page may speak Persian or English (R40)."""
    capfd.readouterr()
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    page.locator("#id_code").wait_for()
    codes = re.findall(r"SMS to \+\d+: \D*(\d{6})", capfd.readouterr().out)
    assert codes, "the console SMS backend printed no code"
    page.locator("#id_code").fill(codes[-1])
    page.locator("#id_code").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login" not in url, timeout=10_000)
    page.wait_for_load_state()
