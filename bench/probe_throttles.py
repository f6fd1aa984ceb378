"""The probes of make probe on the throttles: 2 and 3, the password throttle by address
(API and login page); 4, by account; 5, the signup flood.

Imported by security_probe.py after ``django.setup()``.
"""

import random
import re
import secrets
import time
from collections.abc import Callable

import requests
from django.conf import settings
from probe_config import TIMEOUT
from probe_harness import LOGIN, LOGIN_PAGE, SIGNUP, Row, customer, http_session, random_ip, tally


def count_until_429(send: Callable[[int], requests.Response], tries: int) -> tuple[int | None, str | None, list]:
    """Send `tries` requests; the number of the first 429, its Retry-After, all the codes."""
    first, retry_after, codes = None, None, []
    for n in range(1, tries + 1):
        response = send(n)
        codes.append(response.status_code)
        if response.status_code == 429 and first is None:
            first, retry_after = n, response.headers.get("Retry-After")
    return first, retry_after, codes


def throttle_result(first: int | None, retry_after: str | None, codes: list) -> str:
    if first is None:
        return f"no 429 in {len(codes)} tries ({tally(codes)})"
    return f"first 429 at try {first}, Retry-After {retry_after}; {tally(codes)}"


def probe_login_api(base: str) -> Row:
    rng, session, tag = random.Random(2), http_session(), secrets.token_hex(3)

    def send(n: int) -> requests.Response:
        return session.post(
            base + LOGIN,
            json={"username": f"nobody_{tag}_{n}", "password": f"wrong-{n}"},
            headers={"X-Forwarded-For": random_ip(rng)},
            timeout=TIMEOUT,
        )

    first, retry_after, codes = count_until_429(send, 40)
    return Row(
        "2",
        "Password throttle, API, spoofed XFF",
        f"40 POST {LOGIN}, wrong password, a new unknown username and a random X-Forwarded-For each",
        throttle_result(first, retry_after, codes),
        first is not None and first <= 31,
    )


def probe_login_page(base: str) -> Row:
    rng, session, tag = random.Random(3), http_session(), secrets.token_hex(3)
    page = session.get(base + LOGIN_PAGE, timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    cookie = page.cookies.get(settings.CSRF_COOKIE_NAME)
    if page.status_code != 200 or token is None or cookie is None:
        return Row("3", "Password throttle, login page", f"GET {LOGIN_PAGE}", f"{page.status_code}, no CSRF", None)
    session.cookies.clear()  # Secure cookies: sent by hand over http, as a browser would not

    def send(n: int) -> requests.Response:
        return session.post(
            base + LOGIN_PAGE,
            data={"csrfmiddlewaretoken": token.group(1), "username": f"nobody_{tag}_{n}", "password": f"wrong-{n}"},
            headers={"Cookie": f"{settings.CSRF_COOKIE_NAME}={cookie}", "X-Forwarded-For": random_ip(rng)},
            timeout=TIMEOUT,
            allow_redirects=False,
        )

    first, retry_after, codes = count_until_429(send, 40)
    result = throttle_result(first, retry_after, codes)
    if 403 in codes:
        result += " (403: the CSRF check refused the probe)"
    return Row(
        "3",
        "Password throttle, login page, spoofed XFF",
        f"GET {LOGIN_PAGE} for the CSRF cookie and token, then 40 POST of the form as in 2",
        result,
        None if 403 in codes else first is not None and first <= 31,
    )


def probe_login_account(base: str) -> Row:
    user = customer("probe_victim")
    rng, session = random.Random(4), http_session()

    def send(n: int) -> requests.Response:
        return session.post(
            base + LOGIN,
            json={"username": user.username, "password": f"wrong-{n}"},
            headers={"X-Forwarded-For": random_ip(rng)},
            timeout=TIMEOUT,
        )

    first, retry_after, codes = count_until_429(send, 15)
    return Row(
        "4",
        "Per-account throttle",
        f"15 POST {LOGIN}, wrong password for the existing {user.username}, a random X-Forwarded-For each",
        throttle_result(first, retry_after, codes),
        first is not None and first <= 11,
    )


def probe_signup_flood(base: str) -> Row:
    rng, session = random.Random(5), http_session()
    started = time.monotonic()

    def send(n: int) -> requests.Response:
        return session.post(
            base + SIGNUP,
            json={
                "username": f"flood{n:02d}",
                "email": f"flood{n:02d}@example.com",
                "phone": f"+98935{n:07d}",
                "password": f"Pw-{secrets.token_urlsafe(12)}",
            },
            headers={"X-Forwarded-For": random_ip(rng)},
            timeout=TIMEOUT,
        )

    first, retry_after, codes = count_until_429(send, 40)
    seconds = time.monotonic() - started
    created_before = codes[: first - 1 if first else len(codes)].count(201)
    flood = "no 429" if first is None else f"first 429 at try {first}, Retry-After {retry_after}"
    return Row(
        "5",
        "Signup flood",
        f"40 POST {SIGNUP} with valid distinct data, a random X-Forwarded-For each",
        f"{created_before} accounts (201) before the first 429; {flood}; {tally(codes)}; {seconds:.1f} s in all",
        first is not None and created_before <= 5,
    )
