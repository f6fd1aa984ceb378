"""Sign-in throttles that a client cannot route around (R21, issue 14).

The defaults are in force (settings.SIGN_IN_THROTTLES): the password step 30 a minute
per client and 10 a minute per account, the code step 30 a minute per client, signup
5 a minute per client. X-Forwarded-For counts only through DJANGO_TRUSTED_PROXIES.
"""

import random
import re

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.throttles import account_key, client_address, parse_rate
from bookstore.tests.concurrency import run_together

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"
PASSWORD = "correct horse battery staple"


def random_ip() -> str:
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


def api_login(username: str, password: str = "wrong", **extra):
    return APIClient().post(LOGIN, {"username": username, "password": password}, format="json", **extra)


def first_refusal(responses) -> int:
    """The 1-based number of the first 429, or 0 if none."""
    return next((number for number, response in enumerate(responses, 1) if response.status_code == 429), 0)


def test_a_new_x_forwarded_for_per_try_still_meets_429_at_the_31st_password():
    responses = [api_login(f"user{n}", HTTP_X_FORWARDED_FOR=random_ip()) for n in range(40)]
    assert first_refusal(responses) == 31
    assert {response.status_code for response in responses[:30]} == {401}
    refused = responses[30]
    assert refused.json()["code"] == "too_many_requests"
    assert 1 <= int(refused["Retry-After"]) <= 60 and refused.json()["retry_after"] == int(refused["Retry-After"])


def test_the_html_login_form_is_throttled_alike(client):
    responses = [
        client.post("/accounts/login/", {"username": f"user{n}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=random_ip())
        for n in range(40)
    ]
    assert first_refusal(responses) == 31
    refused = responses[30]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert re.search(rb"Too many tries from here\. Try again in \d+ seconds\.", refused.content)
    assert b'value="user30"' in refused.content  # the typed username stays in the form


def test_pages_and_api_share_one_count_per_client(client):
    for n in range(15):
        client.post("/accounts/login/", {"username": f"page{n}", "password": "wrong"})
    api = [api_login(f"api{n}") for n in range(16)]
    assert first_refusal(api) == 16


def test_one_account_from_many_addresses_meets_429_at_the_11th_try():
    """A botnet cannot spread tries at one account over addresses; a right password counts too."""
    UserFactory(username="sara")
    responses = [api_login("sara", REMOTE_ADDR=random_ip()) for _ in range(10)]
    assert {response.status_code for response in responses} == {401}
    right_but_late = api_login("Sara", PASSWORD, REMOTE_ADDR=random_ip())  # any case is one account
    assert right_but_late.status_code == 429


def test_unknown_and_known_usernames_meet_the_same_limit_and_answer(client):
    """Wrong username and wrong password answer alike, throttled or not (R21)."""
    UserFactory(username="sara")
    known = [api_login("sara", REMOTE_ADDR=random_ip()) for _ in range(11)]
    unknown = [api_login("nobody", REMOTE_ADDR=random_ip()) for _ in range(11)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 10 + [429]
    assert known[0].json() == unknown[0].json()
    assert known[-1].json()["code"] == unknown[-1].json()["code"] == "too_many_requests"
    assert re.sub(r"\d+", "N", known[-1].json()["detail"]) == re.sub(r"\d+", "N", unknown[-1].json()["detail"])


def test_the_code_step_is_throttled_per_client(client):
    api = [
        APIClient().post(
            "/api/v1/auth/verify-otp/",
            {"challenge": "nope", "code": "123456"},
            format="json",
            HTTP_X_FORWARDED_FOR=random_ip(),
        )
        for _ in range(31)
    ]
    assert first_refusal(api) == 31 and api[0].status_code == 401
    session = client.session
    session["login_challenge"] = "nope"
    session.save()
    page = client.post("/accounts/login/code/", {"code": "123456"})
    assert page.status_code == 429 and "Retry-After" in page


def test_signup_is_throttled_per_client(client):
    def body(n: int) -> dict:
        return {"username": f"new{n}", "email": f"new{n}@example.com", "phone": f"+98912000{n:04d}", "password": "x"}

    api = [APIClient().post("/api/v1/auth/signup/", body(n), format="json") for n in range(5)]
    assert {response.status_code for response in api} == {400}  # too short a password: validated, not throttled
    page = client.post("/accounts/signup/", {**body(9), "password_again": "x", "role": "customer"})
    assert page.status_code == 429 and "Retry-After" in page
    assert b"Too many tries from here" in page.content
    assert APIClient().post("/api/v1/auth/signup/", body(10), format="json").status_code == 429


def test_trusted_proxies_name_the_client_in_x_forwarded_for(settings):
    """Behind one proxy, the address it appended is the client; whatever came before is the client's word."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    spoofed = [api_login(f"u{n}", HTTP_X_FORWARDED_FOR=f"{random_ip()}, 203.0.113.7") for n in range(31)]
    assert first_refusal(spoofed) == 31
    other_client = api_login("u99", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other_client.status_code == 401


def test_ipv6_clients_count_by_their_64(rf):
    def address(remote: str) -> str:
        return client_address(rf.post(LOGIN, REMOTE_ADDR=remote))

    assert address("2001:db8:1:2:aaaa::1") == address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:3::1") != address("2001:db8:1:2::1")
    assert address("::ffff:10.0.0.1") == "10.0.0.1"


def test_account_keys_ignore_case_and_compatibility_forms():
    assert account_key("ROOT") == account_key("root") == account_key("ｒｏｏｔ") == account_key(" root ")
    assert account_key("root") != account_key("rооt")  # Cyrillic о is another name (refused at signup)


def test_rates_parse_and_bad_ones_fail_loudly():
    assert parse_rate("30/minute") == parse_rate("30/MINUTE ")
    assert parse_rate("5/day").seconds == 86400
    with pytest.raises(ValueError, match="N/second"):
        parse_rate("30 per minute")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_passwords_from_one_client_let_exactly_thirty_through():
    """The count is exact under concurrency (DRF's SimpleRateThrottle lets most of such a burst through)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions")
    outcomes = run_together([lambda n=n: api_login(f"burst{n}") for n in range(40)])
    statuses = [outcome.value.status_code for outcome in outcomes]
    assert statuses.count(401) == 30 and statuses.count(429) == 10
