"""The measurements of make bench made in this process, after the HTTP runs.

No book oversold and every wallet its ledger's sum (R9, R19); the statements per request
through the test client; one release with 10,000 customers queued; the expiry sweep.
Imported by bench.py after ``django.setup()``.
"""

import logging
import statistics
import time

from bench_config import DEEP_PAGES, FIXTURES, RELEASES
from django.db import connection
from django.db.models import F, Sum, Value
from django.db.models.functions import Coalesce
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Customer, User
from accounts.services import issue_tokens
from catalog.models import Book
from reservations.expiry import expire_due_reservations
from reservations.models import Reservation, Status
from reservations.services import return_reservation


def oversold_check() -> dict:
    """No book above its units (R9), units_on_loan equal to its active reservations, and
    every wallet's balance the sum of its ledger (R19), after all the runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE b.units_on_loan > b.units),
                   count(*) FILTER (WHERE b.units_on_loan <> coalesce(a.n, 0))
            FROM catalog_book b
            LEFT JOIN (SELECT book_id, count(*) AS n FROM reservations_reservation
                       WHERE status = 'active' GROUP BY book_id) a ON a.book_id = b.id
            """
        )
        oversold, mismatched = cursor.fetchone()
    free = FIXTURES["free_books"]
    full = FIXTURES["full_books"]
    wallets = Customer.objects.annotate(ledger=Coalesce(Sum("transactions__amount"), Value(0)))
    off_ledger = wallets.exclude(balance=F("ledger")).count()
    return {
        "oversold_books": oversold,
        "units_on_loan_mismatches": mismatched,
        "wallets_checked": Customer.objects.count(),
        "wallets_off_ledger": off_ledger,
        "active_on_free_books": Reservation.objects.filter(book_id__in=free, status=Status.ACTIVE).count(),
        "queued_on_full_books": Reservation.objects.filter(book_id__in=full, status=Status.QUEUED).count(),
        "ok": oversold == 0 and mismatched == 0 and off_ledger == 0,
    }


def statements_sent(queries: list[dict]) -> int:
    """The statements of `queries` that reached PostgreSQL.

    Django logs an atomic block's BEGIN and its COMMIT or ROLLBACK, but psycopg sends the
    BEGIN only before the block's first statement, and nothing at its end if none ran (a
    request refused before its first query in the block).
    """
    sent, begun = 0, False
    for sql in (query["sql"] for query in queries):
        if sql == "BEGIN":
            begun = True
        elif sql in ("COMMIT", "ROLLBACK") and begun:
            begun = False  # an empty block: neither was sent
        else:
            sent += 2 if begun else 1  # the BEGIN went just before this statement
            begun = False
    return sent


def count_queries(client: Client, method: str, path: str, **kwargs) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, **kwargs)
    return statements_sent(queries.captured_queries), response.status_code


def query_counts() -> dict:
    from django.core.cache import cache

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the refused reserve's 400
    cache.clear()
    client = Client(HTTP_HOST="127.0.0.1")
    book_id = FIXTURES["free_books"][0]
    counts = {}
    counts["list_page_20_uncached"], _ = count_queries(client, "get", "/api/v1/books/?page=3")
    counts["list_page_20_cached"], _ = count_queries(client, "get", "/api/v1/books/?page=3")
    counts["list_page_100_uncached"], _ = count_queries(client, "get", "/api/v1/books/?page=4&page_size=100")
    counts["search_uncached"], _ = count_queries(client, "get", "/api/v1/books/?search=golden")
    counts["detail"], _ = count_queries(client, "get", f"/api/v1/books/{book_id}/")
    with override_settings(CATALOG_CACHE=False):  # what the cache-bypassed rows ask, every time
        counts["list_page_5000_cache_off"], _ = count_queries(client, "get", f"/api/v1/books/?page={DEEP_PAGES}")
        counts["search_cache_off"], _ = count_queries(client, "get", "/api/v1/books/?search=golden")
    # A customer who has not reserved this book yet: the reserve path runs in full (201).
    user = User.objects.get(pk=FIXTURES["queue_customers"][-1])
    token = issue_tokens(user)["access"]
    free_book = Book.objects.filter(pk__in=FIXTURES["free_books"]).exclude(reservations__customer__user=user).first().pk
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def reserve(days: int) -> tuple[int, int]:
        return count_queries(
            client,
            "post",
            "/api/v1/reservations/",
            data={"book": free_book, "days": days},
            content_type="application/json",
            **auth,
        )

    counts["reserve"], counts["reserve_status"] = reserve(1)
    counts["reserve_refused"], counts["reserve_refused_status"] = reserve(0)  # refused at once (R4)
    loan = Reservation.objects.get(customer__user=user, book_id=free_book, status=Status.ACTIVE)
    counts["return"], counts["return_status"] = count_queries(
        client, "post", f"/api/v1/reservations/{loan.pk}/return/", **auth
    )
    return counts


def settle() -> None:
    """Write out what the runs before left dirty, so that no checkpoint runs during a timing.

    The HTTP runs write thousands of rows; PostgreSQL's next checkpoint would otherwise
    flush them while the release or the sweep is timed (seen: both twice as slow).
    """
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def release_benchmark() -> dict:
    """Return the release book's loan again and again: each return serves the 10,000-deep queue (R13)."""
    book_id = FIXTURES["release_book"]
    queued = Reservation.objects.filter(book_id=book_id, status=Status.QUEUED).count()
    times = []
    for _ in range(RELEASES):
        holder = Reservation.objects.select_related("customer").get(book_id=book_id, status=Status.ACTIVE)
        started = time.perf_counter()
        return_reservation(customer=holder.customer, reservation=holder, now=timezone.now())
        times.append((time.perf_counter() - started) * 1000)
    promoted = Reservation.objects.filter(book_id=book_id, status=Status.ACTIVE).count()
    return {
        "queued_before": queued,
        "releases": RELEASES,
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(max(times), 2),
        "first_ms": round(times[0], 2),
        "holder_after": promoted,
    }


def sweep_benchmark() -> dict:
    now = timezone.now()
    due = Reservation.objects.due(now).count()
    started = time.perf_counter()
    expired = expire_due_reservations(now=now, batch_size=1_000_000)
    seconds = time.perf_counter() - started
    return {
        "due_before": due,
        "expired": expired,
        "seconds": round(seconds, 2),
        "left_due": Reservation.objects.due(now).count(),
    }


def language_benchmark(calls: int = 20_000, rounds: int = 3) -> dict:
    """What choosing the language costs a request (R40): CPU µs of this process per request.

    Django's LocaleMiddleware and ours (a logged-in user's stored language) around a view
    that does nothing, against the same view without them, for a visitor and for a user,
    asked in Persian as a browser asks; the best of `rounds`. Timing the two middlewares
    alone: a whole page costs hundreds of times more and its noise hides them.
    """
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.middleware.locale import LocaleMiddleware
    from django.test import RequestFactory

    from accounts.middleware import UserLanguageMiddleware

    def view(request):
        return HttpResponse(b"")

    chain = LocaleMiddleware(UserLanguageMiddleware(view))
    factory = RequestFactory(HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9,en-US;q=0.8,en;q=0.7")
    reader = User.objects.filter(is_active=True).order_by("pk").first()
    reader.language = "fa"

    def per_call(handler, user) -> float:
        started = time.process_time()
        for _ in range(calls):
            request = factory.get("/")
            request.user, request.session = user, {}
            handler(request)
        return (time.process_time() - started) / calls * 1e6

    added = {}
    for name, user in {"visitor": AnonymousUser(), "user": reader}.items():
        added[name] = round(min(per_call(chain, user) - per_call(view, user) for _ in range(rounds)), 1)
    return {"calls": calls, "us_added_visitor": added["visitor"], "us_added_user": added["user"]}
