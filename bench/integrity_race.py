"""Measure the two write races of issue 13 on the production stack (R9, R19, R27).

Run with ``.venv/bin/python bench/integrity_race.py [--seconds 25] [--clients 8]`` (or
``make race``). The project is the checkout this file sits in, so a copy of it in another
worktree measures that tree's code.

1. It drops and recreates its own database (RACE_DB, ``bookstore_race``) on RACE_PG
   (``postgres://postgres@127.0.0.1:5432``), migrates it, flushes its Redis database
   (RACE_REDIS_URL, ``redis://127.0.0.1:6379/10``) and makes the data with the project's
   factories and services: an admin, one book of 20 units, ``--customers`` Plus customers
   with wallets funded through the ledger, and one more customer whose wallet is charged.
2. It starts gunicorn (4 workers, production settings: DJANGO_DEBUG=False...) on a free
   port of 127.0.0.1 and runs, for ``--seconds`` each:

   - book: an admin re-saving the book's change form (GET, then POST of the unchanged form)
     in a loop while ``--clients`` threads reserve and return that book through the API;
     a monitor reads units, units_on_loan and the active loans in one statement every 20 ms;
   - wallet: an admin re-saving the wallet customer's change form (auto_renew toggled)
     in a loop while ``--clients`` threads charge that wallet 5,000 toman each time, with
     a fresh Idempotency-Key per request.

3. It stops gunicorn, prints the figures and the HTTP statuses per endpoint, and exits 0
   when the invariants hold (units_on_loan == active loans <= units, at the end and at
   every sample; no 500; balance == sum of the ledger), else 1.

API requests carry JWT access tokens minted in this process (``issue_tokens``); the admin's
session is made here with ``force_login`` (the login form's SMS step is not driven).
gunicorn's log, with the tracebacks of any 500, goes to ``var/race/gunicorn.log``.
"""

import argparse
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PG = os.environ.get("RACE_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("RACE_DB", "bookstore_race")
REDIS_URL = os.environ.get("RACE_REDIS_URL", "redis://127.0.0.1:6379/10")
WORKERS = 4
UNITS = 20
FUNDING = 100_000_000  # toman per reserving customer: far more than 25 s of 1-day loans cost
CHARGE = 5_000
SAMPLE_SECONDS = 0.02
TIMEOUT = 30  # seconds per HTTP request
SERVER_LOG = BASE_DIR / "var" / "race" / "gunicorn.log"

if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
    raise SystemExit(f"race: RACE_DB must be a plain lower-case name, not {DB_NAME!r}")

# Production settings, as bench/run.sh sets them; gunicorn inherits this environment, so
# the session and tokens made here are valid there (same secret key, same database).
os.environ.update(
    DJANGO_SETTINGS_MODULE="bookstore.settings",
    DJANGO_DEBUG="False",
    DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or f"race-only-secret-{secrets.token_hex(24)}",
    DJANGO_ALLOWED_HOSTS="127.0.0.1",
    DJANGO_SECURE_SSL_REDIRECT="False",
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS_URL,
    CELERY_BROKER_URL=REDIS_URL,
    CELERY_TASK_DEFAULT_QUEUE="race",  # no worker reads it; the Redis database is flushed
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Customer, Role, Tier, User  # noqa: E402
from accounts.services import issue_tokens  # noqa: E402
from accounts.tests.factories import AuthorFactory, CustomerFactory, UserFactory  # noqa: E402
from billing.models import TransactionKind, WalletTransaction  # noqa: E402
from billing.services import credit_wallet, lock_customer  # noqa: E402
from catalog.models import Book  # noqa: E402
from catalog.tests.factories import BookFactory, GenreFactory  # noqa: E402
from reservations.models import Reservation, Status  # noqa: E402

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


# gunicorn --------------------------------------------------------------------------------


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


# Race 1: the book's change form against reserves and returns (R9) ------------------------


class Reader:
    """One customer's live reservation of the book, as far as the client knows."""

    def __init__(self, customer: Customer):
        self.token = Token(customer.user)
        self.reservation: int | None = None
        self.status: str | None = None  # "active" or "queued"


def reserve_or_return(base: str, session, statuses: Statuses, reader: Reader, book_id: int) -> None:
    api = f"{base}/api/v1/reservations/"
    headers = reader.token.headers()
    if reader.reservation is None:
        response = call(
            session, statuses, "POST reservations/", "POST", api, json={"book": book_id, "days": 1}, headers=headers
        )
        if response is None:
            return
        if response.status_code in (201, 202):
            body = response.json()
            reader.reservation, reader.status = body["id"], body["status"]
        elif response.status_code == 409 and response.json().get("code") == "already_reserved":
            find_live(base, session, statuses, reader, book_id)
        return
    if reader.status == Status.ACTIVE:
        response = call(
            session,
            statuses,
            "POST reservations/<id>/return/",
            "POST",
            f"{api}{reader.reservation}/return/",
            headers=headers,
        )
        if response is not None and response.status_code == 200:
            reader.reservation = reader.status = None
        elif response is not None and response.status_code in (404, 409):
            find_live(base, session, statuses, reader, book_id)
        # a 500 leaves the loan active: the next turn tries to return it again
        return
    response = call(
        session,
        statuses,
        "DELETE reservations/<id>/ (leave queue)",
        "DELETE",
        f"{api}{reader.reservation}/",
        headers=headers,
    )
    if response is not None and response.status_code == 204:
        reader.reservation = reader.status = None
    elif response is not None and response.status_code in (404, 409):
        find_live(base, session, statuses, reader, book_id)  # promoted meanwhile (R13)


def find_live(base: str, session, statuses: Statuses, reader: Reader, book_id: int) -> None:
    """Learn the customer's live reservation of the book from the API (after a surprise)."""
    reader.reservation = reader.status = None
    for status in (Status.ACTIVE, Status.QUEUED):
        response = call(
            session,
            statuses,
            "GET reservations/?status=",
            "GET",
            f"{base}/api/v1/reservations/",
            params={"status": status},
            headers=reader.token.headers(),
        )
        if response is None or response.status_code != 200:
            continue
        for row in response.json()["results"]:
            if row["book"] == book_id:
                reader.reservation, reader.status = row["id"], row["status"]
                return


def reader_loop(base: str, statuses: Statuses, readers: list[Reader], book_id: int, deadline: float) -> None:
    session = http_session()
    while time.monotonic() < deadline:
        for reader in readers:
            if time.monotonic() >= deadline:
                break
            reserve_or_return(base, session, statuses, reader, book_id)


class BookMonitor:
    """Samples units, units_on_loan and the active loans of the book in one statement."""

    def __init__(self, book_id: int):
        self.book_id = book_id
        self.sql = (
            f"SELECT b.units, b.units_on_loan, (SELECT count(*) FROM {Reservation._meta.db_table} r"
            f" WHERE r.book_id = b.id AND r.status = %s) FROM {Book._meta.db_table} b WHERE b.id = %s"
        )
        self.samples = 0
        self.max_active = 0
        self.mismatched = 0
        self.oversold = 0
        self.on_loan_range = [None, None]

    def sample(self) -> tuple[int, int, int]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [Status.ACTIVE, self.book_id])
            return cursor.fetchone()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            units, on_loan, active = self.sample()
            self.samples += 1
            self.max_active = max(self.max_active, active)
            self.mismatched += on_loan != active
            self.oversold += active > units
            low, high = self.on_loan_range
            self.on_loan_range = [on_loan if low is None else min(low, on_loan), max(high or 0, on_loan)]
            stop.wait(SAMPLE_SECONDS)


def book_race(base: str, cookie: str, data: dict, seconds: int, clients: int) -> dict:
    book = data["book"]
    statuses = Statuses()
    readers = [Reader(customer) for customer in data["reservers"]]
    admin = AdminSaver(base, cookie, f"/admin/catalog/book/{book.pk}/change/", statuses)
    monitor = BookMonitor(book.pk)
    stop = threading.Event()
    deadline = time.monotonic() + seconds
    watcher = in_thread(monitor.run, stop)
    threads = [in_thread(admin.run, deadline)]
    threads += [in_thread(reader_loop, base, statuses, readers[n::clients], book.pk, deadline) for n in range(clients)]
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()
    units, on_loan, active = monitor.sample()
    return {
        "units": units,
        "units_on_loan": on_loan,
        "active": active,
        "max_active": max(monitor.max_active, active),
        "samples": monitor.samples,
        "mismatched": monitor.mismatched,
        "oversold": monitor.oversold,
        "on_loan_range": monitor.on_loan_range,
        "admin_saves": admin.saved,
        "admin_rejected": admin.rejected,
        "statuses": statuses,
        "ok": on_loan == active <= units
        and monitor.mismatched == 0
        and monitor.oversold == 0
        and statuses.server_errors() == 0,
    }


# Race 2: the customer's change form against wallet charges (R19) ----------------------


def toggle_auto_renew(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if ("auto_renew", "on") in fields:
        return [field for field in fields if field[0] != "auto_renew"]
    return [*fields, ("auto_renew", "on")]


def charge_loop(base: str, statuses: Statuses, token: Token, deadline: float, charged: list) -> None:
    session = http_session()
    while time.monotonic() < deadline:
        headers = {**token.headers(), "Idempotency-Key": str(uuid.uuid4())}
        response = call(
            session,
            statuses,
            "POST wallet/charge/",
            "POST",
            f"{base}/api/v1/wallet/charge/",
            json={"amount": CHARGE},
            headers=headers,
        )
        if response is not None and response.status_code == 201:
            charged.append(CHARGE)  # list.append is atomic under the GIL


def wallet_race(base: str, cookie: str, data: dict, seconds: int, clients: int) -> dict:
    customer = data["wallet_customer"]
    customer.refresh_from_db()
    start_balance = customer.balance
    statuses = Statuses()
    token = Token(customer.user)
    admin = AdminSaver(
        base, cookie, f"/admin/accounts/customer/{customer.pk}/change/", statuses, change=toggle_auto_renew
    )
    charged: list[int] = []
    deadline = time.monotonic() + seconds
    threads = [in_thread(admin.run, deadline)]
    threads += [in_thread(charge_loop, base, statuses, token, deadline, charged) for _ in range(clients)]
    for thread in threads:
        thread.join()
    customer.refresh_from_db()
    ledger = sum(WalletTransaction.objects.filter(customer=customer).values_list("amount", flat=True))
    return {
        "balance": customer.balance,
        "ledger": ledger,
        "expected": start_balance + sum(charged),
        "ledger_rows": WalletTransaction.objects.filter(customer=customer).count(),
        "auto_renew": customer.auto_renew,
        "admin_saves": admin.saved,
        "admin_rejected": admin.rejected,
        "statuses": statuses,
        "ok": customer.balance == ledger >= 0 and statuses.server_errors() == 0,
    }


# Report ----------------------------------------------------------------------------------


def print_statuses(statuses: Statuses) -> None:
    for endpoint, counter in sorted(statuses.counts.items()):
        figures = ", ".join(f"{status}: {count}" for status, count in sorted(counter.items(), key=str))
        print(f"    {endpoint:<42} {figures}")


def print_rejected(rejected: Counter) -> None:
    for message, count in rejected.most_common(5):
        print(f"    admin form rejected x{count}: {message}")


def constraint_failures() -> Counter:
    """Constraints named in gunicorn's log (the cause of the 500s), once per traceback."""
    if not SERVER_LOG.exists():
        return Counter()
    return Counter(
        re.findall(r'IntegrityError: .* violates check constraint "(\w+)"', SERVER_LOG.read_text(errors="replace"))
    )


def report(args, book: dict | None, wallet: dict | None) -> bool:
    print(f"\nrace: {args.seconds}s each, {args.clients} client threads + 1 admin, gunicorn {WORKERS} workers")
    ok = True
    if book:
        verdict = "holds" if book["ok"] else "BROKEN"
        print(f"\n1. Book change form vs reserves and returns (R9, R27): {verdict}")
        print(
            f"    units {book['units']}, units_on_loan {book['units_on_loan']}, active loans {book['active']}"
            f" -> units_on_loan == active loans: {book['units_on_loan'] == book['active']}"
        )
        low, high = book["on_loan_range"]
        print(
            f"    max active loans seen {book['max_active']} (of {book['units']} units); units_on_loan ranged"
            f" {low}..{high}; samples {book['samples']}, with units_on_loan != active {book['mismatched']},"
            f" with active > units {book['oversold']}"
        )
        print(f"    admin saves {book['admin_saves']}")
        print_rejected(book["admin_rejected"])
        print_statuses(book["statuses"])
        ok &= book["ok"]
    if wallet:
        verdict = "holds" if wallet["ok"] else "BROKEN"
        print(f"\n2. Customer change form vs wallet charges (R19, R27): {verdict}")
        print(
            f"    balance {wallet['balance']:,}, ledger sum {wallet['ledger']:,} ({wallet['ledger_rows']} rows)"
            f" -> equal: {wallet['balance'] == wallet['ledger']}; difference {wallet['balance'] - wallet['ledger']:,};"
            f" funding + 201 charges {wallet['expected']:,}"
        )
        print(f"    admin saves {wallet['admin_saves']} (auto_renew now {wallet['auto_renew']})")
        print_rejected(wallet["admin_rejected"])
        print_statuses(wallet["statuses"])
        ok &= wallet["ok"]
    failures = constraint_failures()
    if failures:
        print(f"\n    constraints violated in gunicorn's log: {dict(failures)}")
    print(f"\n    gunicorn log: {SERVER_LOG.relative_to(BASE_DIR)}; the database {DB_NAME} is kept until the next run")
    print(f"race: {'the invariants held' if ok else 'an invariant was broken'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=25, help="seconds per race (25)")
    parser.add_argument("--clients", type=int, default=8, help="client threads per race (8)")
    parser.add_argument("--customers", type=int, default=30, help="Plus customers reserving the book (30)")
    parser.add_argument("--race", choices=["book", "wallet", "both"], default="both")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 600 and 1 <= args.clients <= 64 and args.clients <= args.customers <= 500):
        parser.error("bounds: 1 <= seconds <= 600, 1 <= clients <= 64, clients <= customers <= 500")

    print(f"race: code in {BASE_DIR}; recreating the database {DB_NAME}", file=sys.stderr)
    recreate_database()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the admin's manifest
    data = make_data(args.customers)
    cookie = admin_session_cookie(data["admin"])
    connection.close()

    SERVER_LOG.unlink(missing_ok=True)  # the constraint counts below read this run's log only
    server = Gunicorn(free_port(), log=SERVER_LOG, options=[f"--workers={WORKERS}", f"--chdir={BASE_DIR}"])
    book = wallet = None
    try:
        if args.race in ("book", "both"):
            print(f"race: book change form vs reserves/returns for {args.seconds}s", file=sys.stderr)
            book = book_race(server.url, cookie, data, args.seconds, args.clients)
        if args.race in ("wallet", "both"):
            print(f"race: customer change form vs wallet charges for {args.seconds}s", file=sys.stderr)
            wallet = wallet_race(server.url, cookie, data, args.seconds, args.clients)
    finally:
        server.stop()
        redis.Redis.from_url(REDIS_URL).flushdb()
    sys.exit(0 if report(args, book, wallet) else 1)


if __name__ == "__main__":
    main()
