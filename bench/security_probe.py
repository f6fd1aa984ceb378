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

The code: this file runs them and prints the table (``main``); probe_config.py holds the
settings, probe_harness.py the database, the endpoints and the HTTP helpers, and the
probes are grouped by what they attack: probe_tokens.py (1, 6), probe_throttles.py (2 to
5), probe_deploy.py (7, 8), probe_accounts.py (9, 10).
"""

import argparse
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import django
from probe_config import BASE_DIR, DB_NAME, LOG_DIR, REDIRECT_LOG, SERVER_LOG, WORKERS
from server import Gunicorn, free_port

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from probe_accounts import probe_duplicates, probe_phone_change  # noqa: E402
from probe_deploy import claims_https, probe_headers, procfile_forwarded_allow_ips  # noqa: E402
from probe_harness import Row, flush_throttles, recreate_database  # noqa: E402
from probe_throttles import probe_login_account, probe_login_api, probe_login_page, probe_signup_flood  # noqa: E402
from probe_tokens import probe_admin_password, probe_refresh_fork  # noqa: E402

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
