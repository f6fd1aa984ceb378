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

The code: this file reports and runs them (``main``); race_config.py holds the settings,
race_harness.py the database, the data and the HTTP clients, races.py the two races.
"""

import argparse
import re
import sys
from collections import Counter

import django
import redis
from race_config import BASE_DIR, DB_NAME, REDIS_URL, SERVER_LOG, WORKERS
from server import Gunicorn, free_port

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from race_harness import Statuses, admin_session_cookie, make_data, recreate_database  # noqa: E402
from races import book_race, wallet_race  # noqa: E402

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
