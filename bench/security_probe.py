"""Replay the attacks of issue 14 against gunicorn on production settings (make probe).

Run with ``.venv/bin/python bench/security_probe.py [--only 1,2,7]`` (or ``make probe``).
The project is the checkout this file sits in, so a copy of it in another worktree
probes that tree's code.

1. It drops and recreates its own database (PROBE_DB, ``bookstore_probe``) on PROBE_PG
   (``postgres://postgres@127.0.0.1:5432``), migrates it and makes its users with the
   project's factories; the throttle counts live in its Redis database (PROBE_REDIS_URL,
   ``redis://127.0.0.1:6379/11``), flushed before every probe so no count carries over.
2. Probe 7 runs first, against gunicorn started with the Procfile's --forwarded-allow-ips (its default
   ``--forwarded-allow-ips``) with SECURE_SSL_REDIRECT on and DJANGO_BEHIND_PROXY unset;
   7b repeats it on a gunicorn that trusts no peer's forwarding headers, which tells
   Django's part from gunicorn's (information only, not counted).
3. The other probes run against one gunicorn on production settings with
   SECURE_SSL_REDIRECT off (DJANGO_DEBUG=False, Secure cookies, HSTS...), on a free
   port of 127.0.0.1: 20 workers, one per thread of probe 1, which runs last, after a
   warm-up, so that its 20 refreshes are served at once. Every client is 127.0.0.1; the probes claim other addresses in
   X-Forwarded-For, as an attacker would. The throttle rates are the defaults: the
   variables that change them (LOGIN_RATE, THROTTLE_*) and the proxy ones
   (DJANGO_BEHIND_PROXY, DJANGO_TRUSTED_PROXIES, FORWARDED_ALLOW_IPS) are unset here.

    1  refresh fork: 20 concurrent refreshes with one token; exactly one 200, and the
       replays end the login, so the winner's new tokens are refused too
    2  API login, 40 wrong passwords (unknown names), a random X-Forwarded-For each:
       the first 429 comes by try 31
    3  the same on the login page (/accounts/login/, CSRF cookie and token)
    4  API login, 15 wrong passwords for one existing name: the first 429 by try 11
    5  signup flood, 40 valid signups: at most 5 accounts before the first 429
    6  an admin sets a new password: the old access and refresh tokens answer 401
    7  plain HTTP claiming X-Forwarded-Proto: https is still redirected to https
    8  Content-Security-Policy, Referrer-Policy, Permissions-Policy and
       Cross-Origin-Opener-Policy on a page and on an API answer
    9  signups of DEMO_PLUS (demo_plus exists), r\u043e\u043et with Cyrillic o (root
       exists) and ROOT@example.com (root@example.com exists) are refused with 400
    10 PATCH /api/v1/users/<id>/ of the phone with a bearer token only (no password)
       leaves the phone unchanged

It prints one row per probe (what was sent, what happened, the verdict) and exits 0 when
every defence held, else 1. A probe that could not run says "error" and counts as not
held. gunicorn's logs go to ``var/probe/``.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shlex
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PG = os.environ.get("PROBE_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("PROBE_DB", "bookstore_probe")
REDIS_URL = os.environ.get("PROBE_REDIS_URL", "redis://127.0.0.1:6379/11")
# One worker per thread of probe 1, so its 20 refreshes are served at once. On 4 workers
# and 2 cores the four in flight rarely met inside the race window of 0fa75d1 (1 pair of
# 20 most runs); on 20, 8 to 16 pairs.
WORKERS = 20
REFRESH_THREADS = WORKERS
TIMEOUT = 30  # seconds per HTTP request
LOG_DIR = BASE_DIR / "var" / "probe"
SERVER_LOG = LOG_DIR / "gunicorn.log"
REDIRECT_LOG = LOG_DIR / "gunicorn-ssl-redirect.log"
PASSWORD = "probe-Kq7vW2xZ-not-the-real-one"  # what the factories' users do not have

if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
    raise SystemExit(f"probe: PROBE_DB must be a plain lower-case name, not {DB_NAME!r}")

# Production settings, as bench/run.sh sets them; gunicorn inherits this environment, so
# the tokens minted here are valid there (same secret key, same database).
for name in [name for name in os.environ if name.startswith("THROTTLE_")] + [
    "LOGIN_RATE",
    "DJANGO_BEHIND_PROXY",
    "DJANGO_TRUSTED_PROXIES",
    "FORWARDED_ALLOW_IPS",  # gunicorn's own default for --forwarded-allow-ips
]:
    os.environ.pop(name, None)
os.environ.update(
    DJANGO_SETTINGS_MODULE="bookstore.settings",
    DJANGO_DEBUG="False",
    DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or f"probe-only-secret-{secrets.token_hex(24)}",
    DJANGO_ALLOWED_HOSTS="127.0.0.1",
    DJANGO_SECURE_SSL_REDIRECT="False",  # on only for probe 7's own gunicorn
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS_URL,
    CELERY_BROKER_URL=REDIS_URL,
    CELERY_TASK_DEFAULT_QUEUE="probe",  # no worker reads it; the Redis database is flushed
    DJANGO_LOG_LEVEL="WARNING",
)

import django  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
from server import Gunicorn, free_port  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.services import issue_tokens  # noqa: E402
from accounts.tests.factories import CustomerFactory, UserFactory  # noqa: E402

LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/refresh/"
SIGNUP = "/api/v1/auth/signup/"
ME = "/api/v1/me/"
LOGIN_PAGE = "/accounts/login/"
POLICY_HEADERS = ("Content-Security-Policy", "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy")


# Setup ---------------------------------------------------------------------------------


def recreate_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    flush_throttles()


def flush_throttles() -> None:
    """Empty the probe's Redis database: the throttle counts (and cached pages) go."""
    redis.Redis.from_url(REDIS_URL).flushdb()


def customer(username: str) -> User:
    return CustomerFactory(user=UserFactory(username=username, role=Role.CUSTOMER)).user


class RedirectingGunicorn(Gunicorn):
    """bench/server.py's gunicorn for settings that redirect every plain-HTTP request.

    Gunicorn's readiness check follows the 301 to https, which nothing here answers, so
    this one is ready once ``ready_path`` answers at all, and it takes its own environment.
    """

    def __init__(self, port: int, *, log: Path, options: list[str], env: dict[str, str], ready_path: str = "/"):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "bookstore.wsgi:application",
                    f"--bind=127.0.0.1:{port}",
                    "--log-level=warning",
                    *options,
                ],
                cwd=BASE_DIR,
                env=env,
                start_new_session=True,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        session = http_session()
        deadline = time.monotonic() + 60
        while True:
            try:
                if session.get(self.url + ready_path, timeout=5, allow_redirects=False).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start (see {log})")
            time.sleep(0.3)


# HTTP helpers ----------------------------------------------------------------------------


def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only, never through a proxy
    return session


def random_ip(rng: random.Random) -> str:
    return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def error_code(response: requests.Response) -> str | None:
    """The ``code`` of an API error body (R26), if it has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def status_and_code(response: requests.Response) -> str:
    """'401 token_reused': the status and the error code, if any."""
    return f"{response.status_code} {error_code(response) or ''}".strip()


def refusal(response: requests.Response) -> str:
    """'400 invalid (phone)': the status, the error code and the fields of an API refusal."""
    text = status_and_code(response)
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        errors = None
    return f"{text} ({', '.join(errors)})" if isinstance(errors, dict) and errors else text


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def tally(codes: list) -> str:
    """[401, 401, 429] -> '401 x2, 429 x1', in the order the codes first came."""
    return ", ".join(f"{code} x{count}" for code, count in Counter(codes).items())


@dataclass
class Row:
    number: str
    probe: str
    sent: str
    result: str
    holds: bool | None  # None: the probe could not run
    counted: bool = True

    @property
    def verdict(self) -> str:
        if not self.counted:
            return "info"
        return {True: "holds", False: "FAILS", None: "error"}[self.holds]


# Probes ----------------------------------------------------------------------------------


def warm_up(base: str, user: User, logins: int) -> None:
    """Refresh `logins` tokens of another user at once, so that every gunicorn worker has run
    the refresh once (imports, its PostgreSQL connection): a cold worker is tens of ms late."""
    pairs = [issue_tokens(user) for _ in range(logins)]

    def refresh(pair: dict[str, str]) -> None:
        http_session().post(base + REFRESH, json={"refresh": pair["refresh"]}, timeout=TIMEOUT)

    workers = [threading.Thread(target=refresh, args=(pair,)) for pair in pairs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def probe_refresh_fork(base: str) -> Row:
    user = UserFactory(username="probe_refresh")
    pair = issue_tokens(user)
    threads = REFRESH_THREADS
    warm_up(base, UserFactory(username="probe_refresh_warm_up"), logins=2 * WORKERS)
    barrier = threading.Barrier(threads)
    body = json.dumps({"refresh": pair["refresh"]}).encode()
    host, port = urlsplit(base).hostname, urlsplit(base).port
    answers: list[tuple[int, dict] | str] = ["no answer"] * threads

    def attempt(n: int) -> None:
        # Connected before the barrier, so each gunicorn worker has taken a connection and
        # waits for its bytes: after it, the requests arrive together, not one connect apart.
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        try:
            conn.connect()
            barrier.wait(timeout=TIMEOUT)
            conn.request("POST", REFRESH, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            text = response.read()
            try:
                answers[n] = (response.status, json.loads(text))
            except ValueError:
                answers[n] = (response.status, {})
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            barrier.abort()
            answers[n] = f"no answer ({type(error).__name__})"
        finally:
            conn.close()

    workers = [threading.Thread(target=attempt, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    winners = [answer[1] for answer in answers if not isinstance(answer, str) and answer[0] == 200]
    others = [
        answer if isinstance(answer, str) else f"{answer[0]} {answer[1].get('code') or ''}".strip()
        for answer in answers
        if isinstance(answer, str) or answer[0] != 200
    ]
    # Once every replay has answered: does what the winners got still work?
    session = http_session()
    refresh_after = [session.post(base + REFRESH, json={"refresh": w["refresh"]}, timeout=TIMEOUT) for w in winners]
    access_after = [session.get(base + ME, headers=bearer(w["access"]), timeout=TIMEOUT) for w in winners]
    result = f"200 x{len(winners)} of {threads}; others: {tally(others) or 'none'}."
    if winners:
        refresh_codes = tally([status_and_code(r) for r in refresh_after])
        access_codes = tally([status_and_code(r) for r in access_after])
        whose = "the winner's" if len(winners) == 1 else f"the {len(winners)} winners'"
        result += f" Then {whose} new tokens: refresh {refresh_codes}; access on {ME} {access_codes}."
    refused = all(r.status_code == 401 for r in refresh_after + access_after)
    return Row(
        "1",
        "Refresh fork",
        f"{threads} threads POST {REFRESH} with one refresh token at once (connected first, then"
        " released by a threading.Barrier)",
        result,
        len(winners) == 1 and refused,
    )


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


def probe_admin_password(base: str) -> Row:
    user = customer("probe_reset")
    pair = issue_tokens(user)
    session = http_session()
    before = session.get(base + ME, headers=bearer(pair["access"]), timeout=TIMEOUT)
    # What the admin's "Change password" form (AdminPasswordChangeForm.save) does.
    user.set_password("Admin-set-" + secrets.token_urlsafe(9))
    user.save()
    me = session.get(base + ME, headers=bearer(pair["access"]), timeout=TIMEOUT)
    refresh = session.post(base + REFRESH, json={"refresh": pair["refresh"]}, timeout=TIMEOUT)
    return Row(
        "6",
        "Admin password reset",
        f"issue_tokens, then set_password() + save() in-process; {ME} with the old access,"
        f" {REFRESH} with the old refresh",
        f"before the change {ME} {before.status_code}; after: {ME} {status_and_code(me)},"
        f" refresh {status_and_code(refresh)}",
        before.status_code == 200 and me.status_code == 401 and refresh.status_code == 401,
    )


def procfile_forwarded_allow_ips() -> str | None:
    """The Procfile's --forwarded-allow-ips for the web process, or None when it leaves gunicorn's default."""
    web = next(line for line in (BASE_DIR / "Procfile").read_text().splitlines() if line.startswith("web:"))
    flags = [word for word in shlex.split(web) if word.startswith("--forwarded-allow-ips")]
    return flags[-1].partition("=")[2] if flags else None


def claims_https(number: str, forwarded_allow_ips: str | None) -> Row:
    """Probe 7 on its own gunicorn: SECURE_SSL_REDIRECT on, DJANGO_BEHIND_PROXY unset."""
    options = [
        "--workers=2",
        f"--chdir={BASE_DIR}",
        *([] if forwarded_allow_ips is None else [f"--forwarded-allow-ips={forwarded_allow_ips}"]),
    ]
    env = {**os.environ, "DJANGO_SECURE_SSL_REDIRECT": "True"}
    server = RedirectingGunicorn(free_port(), log=REDIRECT_LOG, options=options, env=env, ready_path=LOGIN_PAGE)
    try:
        session = http_session()
        plain = session.get(server.url + LOGIN_PAGE, timeout=TIMEOUT, allow_redirects=False)
        claimed = session.get(
            server.url + LOGIN_PAGE, headers={"X-Forwarded-Proto": "https"}, timeout=TIMEOUT, allow_redirects=False
        )
    finally:
        server.stop()

    def describe(response: requests.Response) -> str:
        if response.is_redirect:
            return f"{response.status_code} to {response.headers.get('Location')}"
        if response.status_code != 200:
            return str(response.status_code)
        hsts = " with HSTS" if "Strict-Transport-Security" in response.headers else ""
        return f"200{hsts} (served as HTTPS)"

    holds = plain.is_redirect and claimed.is_redirect
    found = f"without the header {describe(plain)}; with it {describe(claimed)}"
    sent = (
        f"plain HTTP GET {LOGIN_PAGE} with X-Forwarded-Proto: https; SECURE_SSL_REDIRECT on, DJANGO_BEHIND_PROXY unset;"
    )
    if number == "7":
        flag = "gunicorn's default" if forwarded_allow_ips is None else f"--forwarded-allow-ips='{forwarded_allow_ips}'"
        return Row(number, "Client claims HTTPS", f"{sent} gunicorn as in the Procfile ({flag})", found, holds)
    return Row(
        number,
        "Client claims HTTPS, gunicorn's default",
        "as 7, on gunicorn's default --forwarded-allow-ips (127.0.0.1,::1; the client is 127.0.0.1)",
        found,
        holds,
        counted=False,
    )


def probe_headers(base: str) -> Row:
    session = http_session()
    answers = {
        f"page {LOGIN_PAGE}": session.get(base + LOGIN_PAGE, timeout=TIMEOUT),
        "API /api/v1/genres/": session.get(base + "/api/v1/genres/", timeout=TIMEOUT),
    }
    parts, complete = [], True
    for name, response in answers.items():
        missing = [header for header in POLICY_HEADERS if header not in response.headers]
        present = [header for header in POLICY_HEADERS if header in response.headers]
        complete &= not missing and response.status_code == 200
        parts.append(
            f"{name} ({response.status_code}): present {', '.join(present) or 'none'};"
            f" missing {', '.join(missing) or 'none'}"
        )
    return Row(
        "8",
        "Security headers",
        f"GET {LOGIN_PAGE} and GET /api/v1/genres/",
        "; ".join(parts),
        complete,
    )


def probe_duplicates(base: str) -> Row:
    UserFactory(username="demo_plus")
    UserFactory(username="root")  # root@example.com
    session = http_session()
    attempts = [
        ("control probe_fresh", {"username": "probe_fresh", "email": "probe_fresh@example.com"}, 201),
        ("DEMO_PLUS", {"username": "DEMO_PLUS", "email": "probe9a@example.com"}, 400),
        ("r\u043e\u043et (Cyrillic o)", {"username": "r\u043e\u043et", "email": "probe9b@example.com"}, 400),
        ("ROOT@example.com", {"username": "probe9c", "email": "ROOT@example.com"}, 400),
    ]
    parts, statuses = [], []
    for n, (label, data, _) in enumerate(attempts):
        response = session.post(
            base + SIGNUP,
            json={**data, "phone": f"+98936{n:07d}", "password": f"Pw-{secrets.token_urlsafe(12)}"},
            timeout=TIMEOUT,
        )
        parts.append(f"{label} {refusal(response)}")
        statuses.append(response.status_code)
    refused = statuses[1:] == [expected for *_, expected in attempts[1:]]
    return Row(
        "9",
        "Case and script duplicates",
        f"POST {SIGNUP}: a fresh name (control), DEMO_PLUS beside demo_plus, r\u043e\u043et beside root,"
        " ROOT@example.com beside root@example.com",
        "; ".join(parts),
        refused if statuses[0] == 201 else None,  # the control refused: the probe's data is wrong
    )


def probe_phone_change(base: str) -> Row:
    user = customer("probe_phone")
    access = issue_tokens(user)["access"]
    before = user.phone
    response = http_session().patch(
        f"{base}/api/v1/users/{user.pk}/", json={"phone": "+989120009999"}, headers=bearer(access), timeout=TIMEOUT
    )
    user.refresh_from_db()
    changed = user.phone != before
    return Row(
        "10",
        "Phone change without password",
        f"PATCH /api/v1/users/{user.pk}/ {{'phone': '+989120009999'}} with a bearer access token only",
        f"{refusal(response)}; phone in the database"
        f" {'changed ' + before + ' -> ' + user.phone if changed else 'unchanged (' + before + ')'}",
        400 <= response.status_code < 500 and not changed,
    )


PROBES: dict[int, Callable[[str], Row]] = {
    1: probe_refresh_fork,
    2: probe_login_api,
    3: probe_login_page,
    4: probe_login_account,
    5: probe_signup_flood,
    6: probe_admin_password,
    8: probe_headers,
    9: probe_duplicates,
    10: probe_phone_change,
}


def run(number: str, probe: Callable[..., Row], *args) -> Row:
    print(f"probe: {number}. {probe.__name__}", end="", file=sys.stderr, flush=True)
    flush_throttles()
    started = time.monotonic()
    try:
        row = probe(*args)
    except Exception as error:  # the probe itself broke: say so, and count it as not held
        row = Row(number, probe.__name__, "", f"error: {type(error).__name__}: {error}"[:300], None)
    print(f" ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return row


# Report ----------------------------------------------------------------------------------

COLUMNS = (("#", 3), ("probe", 22), ("sent", 44), ("result", 56), ("verdict", 7))


def print_table(rows: list[Row]) -> None:
    line = "+" + "+".join("-" * (width + 2) for _, width in COLUMNS) + "+"

    def print_cells(cells: list[str]) -> None:
        wrapped = [textwrap.wrap(cell, width) or [""] for cell, (_, width) in zip(cells, COLUMNS, strict=True)]
        for n in range(max(len(lines) for lines in wrapped)):
            parts = [lines[n] if n < len(lines) else "" for lines in wrapped]
            print("| " + " | ".join(f"{part:<{width}}" for part, (_, width) in zip(parts, COLUMNS, strict=True)) + " |")

    print(line)
    print_cells([title for title, _ in COLUMNS])
    print(line)
    for row in rows:
        print_cells([row.number, row.probe, row.sent, row.result, row.verdict])
        print(line)


def parse_only(text: str | None) -> list[int]:
    known = sorted([*PROBES, 7])
    if not text:
        return known
    try:
        chosen = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"probe: --only takes probe numbers such as 1,7,9, not {text!r}") from None
    if unknown := [n for n in chosen if n not in known]:
        raise SystemExit(f"probe: no probe {unknown}; they are 1 to 10")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="N,M", help="run only these probes, e.g. --only 1,7,9")
    args = parser.parse_args()
    chosen = parse_only(args.only)

    started = time.monotonic()
    print(f"probe: code in {BASE_DIR}; recreating the database {DB_NAME}", file=sys.stderr)
    recreate_database()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages' manifest
    connection.close()
    for log in (SERVER_LOG, REDIRECT_LOG):
        log.unlink(missing_ok=True)

    rows: list[Row] = []
    try:
        if 7 in chosen:
            rows.append(run("7", claims_https, "7", procfile_forwarded_allow_ips()))
            rows.append(run("7b", claims_https, "7b", None))
        if set(chosen) - {7}:
            server = Gunicorn(free_port(), log=SERVER_LOG, options=[f"--workers={WORKERS}", f"--chdir={BASE_DIR}"])
            try:
                # The refresh fork last: by then every worker has booted and served requests.
                order = sorted((number for number in chosen if number != 7), key=lambda number: number == 1)
                rows += [run(str(number), PROBES[number], server.url) for number in order]
            finally:
                server.stop()
    finally:
        flush_throttles()
    rows.sort(key=lambda row: (int(re.match(r"\d+", row.number).group()), row.number))

    revision = subprocess.run(
        ["git", "-C", str(BASE_DIR), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"\nprobe: issue 14 attacks on gunicorn ({WORKERS} workers, 2 for probe 7), production settings,"
        f" code {revision or '?'}"
    )
    print_table(rows)
    counted = [row for row in rows if row.counted]
    held = [row for row in counted if row.holds]
    failed = [row.number for row in counted if not row.holds]
    print(
        f"probe: {len(held)} of {len(counted)} defences held"
        + (f"; not held: {', '.join(failed)}" if failed else "")
        + f" ({time.monotonic() - started:.0f} s; gunicorn logs in {LOG_DIR.relative_to(BASE_DIR)}/)"
    )
    sys.exit(0 if not failed else 1)


if __name__ == "__main__":
    main()
