"""The harness of make probe: the endpoints, its database and throttle counts, the gunicorn
that redirects to https, and the HTTP helpers and table row the probes share.

Imported by security_probe.py after ``django.setup()``.
"""

import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
import requests
from probe_config import BASE_DIR, DB_NAME, PG, REDIS_URL
from server import Gunicorn

from accounts.models import Role, User
from accounts.tests.factories import CustomerFactory, UserFactory

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
