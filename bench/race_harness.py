"""The harness of make race: its database and data, and the HTTP clients the races use.

The admin re-saving a change form (``AdminSaver``), the tokens, the statuses counted per
endpoint. Imported by integrity_race.py after ``django.setup()``.
"""

import re
import threading
import time
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import psycopg
import redis
import requests
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from race_config import DB_NAME, FUNDING, PG, REDIS_URL, TIMEOUT, UNITS

from accounts.models import Customer, Role, Tier, User
from accounts.services import issue_tokens
from accounts.tests.factories import AuthorFactory, CustomerFactory, UserFactory
from billing.models import TransactionKind
from billing.services import credit_wallet, lock_customer
from catalog.tests.factories import BookFactory, GenreFactory

# A token is re-minted this long before it would expire (SIMPLE_JWT's access lifetime).
TOKEN_LIFETIME = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] - timedelta(seconds=30)


# Setup ---------------------------------------------------------------------------------


def recreate_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(REDIS_URL).flushdb()


def fund(customer: Customer, amount: int) -> None:
    """Credit the wallet through the ledger, as the wallet service does (R19)."""
    with transaction.atomic():
        credit_wallet(
            customer=lock_customer(customer),
            amount=amount,
            kind=TransactionKind.CHARGE,
            reference="race funding",
            now=timezone.now(),
        )


def plus_customer(username: str) -> Customer:
    user = UserFactory(username=username, role=Role.CUSTOMER)
    return CustomerFactory(user=user, tier=Tier.PLUS, subscription_ends_at=timezone.now() + timedelta(days=30))


def make_data(customers: int) -> dict:
    admin = UserFactory(username="race_admin", role=Role.ADMIN)
    author = AuthorFactory(user=UserFactory(username="race_author", role=Role.AUTHOR))
    book = BookFactory(
        title="The race book", genre=GenreFactory(name="Race", slug="race"), units=UNITS, authors=[author]
    )
    reservers = []
    for n in range(customers):
        customer = plus_customer(f"race_reader{n:02d}")
        fund(customer, FUNDING)
        reservers.append(customer)
    wallet_customer = plus_customer("race_wallet")
    fund(wallet_customer, 100_000)
    return {"admin": admin, "book": book, "reservers": reservers, "wallet_customer": wallet_customer}


def admin_session_cookie(admin: User) -> str:
    client = Client()
    client.force_login(admin)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# HTTP helpers ----------------------------------------------------------------------------


class Statuses:
    """HTTP statuses per endpoint, shared by the threads ("error" for no answer)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[str, Counter] = {}

    def add(self, endpoint: str, status: int | str) -> None:
        with self.lock:
            self.counts.setdefault(endpoint, Counter())[status] += 1

    def server_errors(self) -> int:
        return sum(count for counter in self.counts.values() for status, count in counter.items() if status == 500)


def http_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only, never through a proxy
    return session


def call(session, statuses: Statuses, endpoint: str, method: str, url: str, **kwargs) -> requests.Response | None:
    try:
        response = session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.RequestException:
        statuses.add(endpoint, "error")
        return None
    statuses.add(endpoint, response.status_code)
    return response


class ChangeFormParser(HTMLParser):
    """The fields a browser would post from the admin change form (the form with ``_save``)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[list[tuple[str, str]], bool]] = []
        self.fields: list[tuple[str, str]] | None = None
        self.has_save = False
        self.select: tuple[str, list[tuple[str, bool]], bool] | None = None
        self.option: list | None = None
        self.textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.fields, self.has_save = [], False
        if self.fields is None:
            return
        name = attrs.get("name")
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if name == "_save":
                self.has_save = True
            elif name and "disabled" not in attrs and kind not in ("submit", "button", "reset", "image", "file"):
                if kind in ("checkbox", "radio"):
                    if "checked" in attrs:
                        self.fields.append((name, attrs.get("value") or "on"))
                else:
                    self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select = (name, [], "multiple" in attrs)
        elif tag == "option" and self.select is not None:
            self.option = [attrs.get("value"), "selected" in attrs, ""]
        elif tag == "textarea" and name and "disabled" not in attrs:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option[2] += data
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if self.fields is None:
            return
        if tag == "option" and self.option is not None:
            value, selected, text = self.option
            self.select[1].append((text.strip() if value is None else value, selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options, multiple = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not multiple:
                chosen = [options[0][0]]
            self.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # A browser drops the newline right after <textarea>, which Django's widget writes.
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "form":
            self.forms.append((self.fields, self.has_save))
            self.fields = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def parse(self, html: str) -> list[tuple[str, str]] | None:
        self.feed(html)
        self.close()
        return next((fields for fields, has_save in self.forms if has_save), None)


class AdminSaver:
    """An admin re-saving one object's change form: GET it, then POST what it shows."""

    def __init__(self, base_url: str, session_cookie: str, path: str, statuses: Statuses, change=None):
        self.url = base_url + path
        self.statuses = statuses
        self.cookies = {settings.SESSION_COOKIE_NAME: session_cookie}
        self.change = change  # fields -> fields, what the admin edits (None: nothing)
        self.session = http_session()
        self.saved = 0
        self.rejected: Counter = Counter()

    def request(self, endpoint: str, method: str, **kwargs) -> requests.Response | None:
        # The cookies are Secure under production settings, so they are sent by hand over http.
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = call(self.session, self.statuses, endpoint, method, self.url, headers={"Cookie": cookie}, **kwargs)
        if response is not None:
            self.cookies.update(response.cookies.get_dict())
        self.session.cookies.clear()
        return response

    def save_once(self) -> None:
        page = self.request("admin GET change form", "GET")
        if page is None or page.status_code != 200:
            return
        fields = ChangeFormParser().parse(page.text)
        if fields is None:
            self.rejected["no change form in the page"] += 1
            return
        if self.change:
            fields = self.change(fields)
        response = self.request("admin POST change form", "POST", data=[*fields, ("_save", "Save")])
        if response is None:
            return
        if response.status_code == 302:
            self.saved += 1
        elif response.status_code == 200:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
            text = re.sub(r"<[^>]+>", " ", " ".join(errors)).split() or ["(no message)"]
            self.rejected[" ".join(text)[:120]] += 1

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.save_once()


class Token:
    """An access token for one user, minted again before it expires."""

    def __init__(self, user: User):
        self.user = user
        self.mint()

    def mint(self) -> None:
        self.value = issue_tokens(self.user)["access"]
        self.expires = time.monotonic() + TOKEN_LIFETIME.total_seconds()

    def headers(self) -> dict[str, str]:
        if time.monotonic() > self.expires:
            self.mint()
        return {"Authorization": f"Bearer {self.value}"}


def in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connection.close()  # the thread's own, if it used the ORM

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
