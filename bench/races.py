"""The two races of make race: the book's change form against reserves and returns (R9),
the customer's change form against wallet charges (R19).

Imported by integrity_race.py after ``django.setup()``.
"""

import threading
import time
import uuid

from django.db import connection
from race_config import CHARGE, SAMPLE_SECONDS
from race_harness import AdminSaver, Statuses, Token, call, http_session, in_thread

from accounts.models import Customer
from billing.models import WalletTransaction
from catalog.models import Book
from reservations.models import Reservation, Status

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
