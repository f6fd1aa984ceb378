"""The HTTP rows of make bench: what the reads ask for, and the wrk runs on each gunicorn.

The yardstick's gunicorn (bench/calibration.py), the one with the catalog's cache off
(issue 15), and the ordinary one (issue 8's reads, then the writes of issue 16). Imported
by bench.py after ``django.setup()``.
"""

import math
import random
import tempfile
import urllib.request
from pathlib import Path

from bench_config import (
    CACHE_OFF,
    DEEP_PAGES,
    DETAIL_BOOKS,
    FIXTURES,
    GUNICORN_OPTIONS,
    PAGE_SIZE,
    RESERVE_RATE,
    SEARCH_WORDS,
    SERVER_LOG,
    TARGETS,
)
from bench_inprocess import settle
from bench_measure import PostgresBackends, Runner, write_lines
from django.db import connection
from server import Gunicorn, free_port

from accounts.models import Customer, User
from accounts.services import issue_tokens
from catalog.models import Book
from reservations.models import Reservation, Status

# What the reads ask for -----------------------------------------------------------------


def search_words() -> list[str]:
    """SEARCH_WORDS words of the generated titles and descriptions, the most common to the rarest.

    The distinct words ranked by how many times they occur (ties by the word), then taken
    at evenly spaced ranks: the same list for the same data (generate.py is deterministic).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT word FROM (
                SELECT regexp_split_to_table(lower(title || ' ' || description), '\\s+') AS word FROM catalog_book
            ) words
            WHERE length(word) >= 2
            GROUP BY word ORDER BY count(*) DESC, word
            """
        )
        ranked = [word for (word,) in cursor.fetchall()]
    if len(ranked) <= SEARCH_WORDS:
        return ranked
    return [ranked[round(i * (len(ranked) - 1) / (SEARCH_WORDS - 1))] for i in range(SEARCH_WORDS)]


def read_paths(folder: Path) -> dict[str, str]:
    """The files of paths for the reads: the issue 8 lists and searches, and issue 15's.

    Issue 15's words and pages are sent in one fixed shuffled order, each once before any
    repeats: a 10-second run reaches a few hundred of them, and these are then common and
    rare words, shallow and deep pages alike, not the first few hundred of either list.
    """
    words = search_words()
    in_catalog = list(Book.objects.in_catalog().order_by("pk").values_list("pk", flat=True))
    pages = list(range(1, min(DEEP_PAGES, math.ceil(len(in_catalog) / PAGE_SIZE)) + 1))
    shuffled = random.Random(20261202)
    ids = shuffled.sample(in_catalog, min(DETAIL_BOOKS, len(in_catalog)))
    pages = shuffled.sample(pages, len(pages))
    lists = [f"/api/v1/books/?page={page}" for page in pages]
    searches = [f"/api/v1/books/?search={urllib.request.quote(word)}" for word in shuffled.sample(words, len(words))]
    details = [f"/api/v1/books/{pk}/" for pk in ids]
    mixed = [
        path
        for i in range(max(len(lists), len(details)))
        for path in (lists[i % len(lists)], searches[i % len(searches)], details[i % len(details)])
    ]
    return {
        "list": write_lines(folder, "list", [f"/api/v1/books/?page={page}" for page in range(1, 101)]),
        "search": write_lines(
            folder,
            "search",
            [f"/api/v1/books/?search={urllib.request.quote(term)}" for term in FIXTURES["search_terms"]],
        ),
        "search_words": write_lines(folder, "search_words", searches),
        "list_deep": write_lines(folder, "list_deep", lists),
        "detail": write_lines(folder, "detail", details),
        "mixed": write_lines(folder, "mixed", mixed),
        "words_sample": ", ".join(words[:3] + ["…"] + words[-3:]),
    }


# The runs ---------------------------------------------------------------------------


def calibration_benchmark(postgres: PostgresBackends) -> dict:
    """The bare ORM view of bench/calibration.py at 20 clients, on its own gunicorn (cache off)."""
    port = free_port()
    server = Gunicorn(
        port,
        log=SERVER_LOG,
        options=GUNICORN_OPTIONS,
        app="calibration:application",
        ready_path="/bare/",
        env=CACHE_OFF,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            paths = write_lines(Path(folder), "bare", ["/bare/"])
            results: dict = {}
            run = Runner(server, results, postgres)
            run.warm({"BENCH_PATHS": paths})
            return run("calibration", 20, {"BENCH_PATHS": paths}, "GET the bare ORM view")
    finally:
        server.stop()


def uncached_benchmarks(paths: dict[str, str], results: dict, postgres: PostgresBackends, yardstick: float) -> None:
    """Issue 15's reads on a gunicorn that never reads or writes the catalog's pages (CATALOG_CACHE=off).

    The search and the deep pages are also offered their goal's rate (a share of the first
    yardstick run), open loop: at 20 clients in a closed loop the mean latency is 20 / req/s
    (Little's law), so a p95 of 50 ms needs about 400 req/s whatever the goal's share.
    """
    server = Gunicorn(free_port(), log=SERVER_LOG, options=GUNICORN_OPTIONS, env=CACHE_OFF)
    try:
        run = Runner(server, results, postgres)
        run.warm({"BENCH_PATHS": paths["list_deep"]})
        for name, what in (("search_words", "GET 1,000 searches"), ("list_deep", "GET pages 1..5000")):
            run(f"{name}_nocache_20", 20, {"BENCH_PATHS": paths[name]}, f"{what}, cache off")
        run("detail_nocache_20", 20, {"BENCH_PATHS": paths["detail"]}, "GET 5,000 books/{id}/, cache off")
        for name, what in (("search_words", "GET 1,000 searches"), ("list_deep", "GET pages 1..5000")):
            rate = max(1, round(TARGETS[f"{name}_nocache_ratio"][1] * yardstick))
            env = {"BENCH_PATHS": paths[name], "BENCH_RATE": str(rate)}
            run(f"{name}_nocache_goal", 20, env, f"{what}, cache off, {rate}/s offered")["offered_rps"] = rate
    finally:
        server.stop()


def active_loans() -> list[tuple[int, int]]:
    """(reservation id, user id) of the load customers' loans on the free books, oldest first."""
    return list(
        Reservation.objects.filter(
            book_id__in=FIXTURES["free_books"],
            status=Status.ACTIVE,
            customer__user_id__in=FIXTURES["load_customers"],
        )
        .order_by("pk")
        .values_list("pk", "customer__user_id")
    )


def http_benchmarks(folder: Path, paths: dict[str, str], results: dict, postgres: PostgresBackends) -> list[float]:
    """The ordinary gunicorn (cache on): issue 8's reads, issue 15's with the cache, then the writes."""
    server = Gunicorn(free_port(), log=SERVER_LOG, options=GUNICORN_OPTIONS)
    try:
        run = Runner(server, results, postgres)
        run.warm({"BENCH_PATHS": paths["list"]})
        for name, what in (("list", "GET books/ pages 1..100"), ("search", "GET 5 searches")):
            for clients in (1, 20):
                run(f"{name}_{clients}", clients, {"BENCH_PATHS": paths[name]}, what)
        run("search_words_20", 20, {"BENCH_PATHS": paths["search_words"]}, "GET 1,000 searches, cache on")
        run("list_deep_20", 20, {"BENCH_PATHS": paths["list_deep"]}, "GET pages 1..5000, cache on")
        run("detail_20", 20, {"BENCH_PATHS": paths["detail"]}, "GET 5,000 books/{id}/")

        # Tokens last 5 minutes: made now, for the writes.
        users = {
            kind: list(User.objects.filter(pk__in=FIXTURES[kind]).order_by("pk"))
            for kind in ("load_customers", "queue_customers")
        }
        tokens = {kind: [issue_tokens(user)["access"] for user in found] for kind, found in users.items()}
        token_of_user = dict(zip([user.pk for user in users["load_customers"]], tokens["load_customers"], strict=True))
        free = {
            "BENCH_TOKENS": write_lines(folder, "free.tokens", tokens["load_customers"]),
            "BENCH_BOOKS": write_lines(folder, "free.books", FIXTURES["free_books"]),
        }
        # The floor: the same requests asking for 0 days, refused at once (R4) with no query
        # but the token's user: all that DRF, simplejwt and Django cost an authenticated request.
        run("reserve_refused_20", 20, {**free, "BENCH_DAYS": "0"}, "POST reservations/ refused at once (0 days)")
        run("reserve_free_20", 20, free, "POST reservations/ (free units)")
        sent = results["reserve_free_20"]["requests"]

        def at_rate(name: str, rate: int) -> None:
            """The same customers and books, on with pairs not sent yet, offered `rate` a second."""
            nonlocal sent
            offset = sent + 100  # a margin for requests still in flight when the last run stopped
            env = {**free, "BENCH_OFFSET": str(offset), "BENCH_RATE": str(rate)}
            figures = run(name, 20, env, f"POST reservations/ (free units) at {rate}/s")
            figures["offered_rps"] = rate
            sent = offset + figures["requests"]

        at_rate("reserve_free_rate", RESERVE_RATE)
        # And at half of what the closed loop reached: the latency of a server with room to spare.
        at_rate("reserve_free_half", max(1, round(results["reserve_free_20"]["rps"] / 2)))
        full = {
            "BENCH_TOKENS": write_lines(folder, "full.tokens", tokens["queue_customers"]),
            "BENCH_BOOKS": write_lines(folder, "full.books", FIXTURES["full_books"]),
        }
        run("reserve_full_20", 20, full, "POST reservations/ (full: queued)")

        # Returns: the loans the reserve runs made, each once, by its customer (R15).
        loans = active_loans()
        returns = write_lines(folder, "returns", [f"{token_of_user[user]} {pk}" for pk, user in loans])
        settle()
        figures = run(
            "return_20", 20, {"BENCH_MODE": "return", "BENCH_RETURNS": returns}, "POST reservations/{id}/return/"
        )
        figures["loans_available"] = len(loans)

        # The mix: its reserves go on with pairs not sent yet, its returns give back what they made.
        customer_of_user = dict(
            Customer.objects.filter(user_id__in=FIXTURES["load_customers"]).values_list("user_id", "pk")
        )
        settle()
        mixed = {
            **free,
            "BENCH_MODE": "mixed",
            "BENCH_PATHS": paths["mixed"],
            "BENCH_CUSTOMERS": write_lines(
                folder, "free.customers", [customer_of_user[user.pk] for user in users["load_customers"]]
            ),
            "BENCH_OFFSET": str(sent + 100),
        }
        run("mixed_20", 20, mixed, "mixed: 80% reads, 20% reserves and returns")
        return server.worker_rss_mb()
    finally:
        server.stop()
