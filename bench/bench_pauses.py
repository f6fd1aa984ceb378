"""make bench: the queue head lookup with a third of a 10,000-deep queue paused (R30, R12).

On the release book's queue, after the release run: the lookup ``_first_in_queue`` runs
(``_QUEUE_HEADS``, one statement, then the head read with its customer locked) timed with
no place paused, with every third place paused (spread through the queue) and with the
first third paused (the worst case: the head walk skips 3,333 places), each with its
EXPLAIN (ANALYZE, BUFFERS). The pauses are set in the database directly and cleared after.
Imported by bench.py after ``django.setup()``.
"""

import statistics
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Book
from reservations.models import Reservation, Status
from reservations.queue_head import QUEUE_HEADS as _QUEUE_HEADS
from reservations.queue_head import _queue_heads
from reservations.queue_head import first_in_queue as _first_in_queue

CALLS = 200


def _time_lookup(book: Book, now, calls: int) -> tuple[float, float, int]:
    """Median and max ms of ``_first_in_queue`` (inside a transaction, as serve_queue runs it)."""
    times = []
    head = None
    for _ in range(calls):
        with transaction.atomic():
            started = time.perf_counter()
            head = _first_in_queue(book, now)
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3), round(max(times), 3), head.pk if head else 0


def _explain(book: Book, now) -> list[str]:
    sql, params = _queue_heads(book.pk, now).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def _pause(book: Book, pks: list[int], until) -> None:
    Reservation.objects.filter(book=book, pk__in=pks).update(paused_until=until)
    with connection.cursor() as cursor:  # as autovacuum would: the visibility map for index-only scans
        cursor.execute("VACUUM (ANALYZE) reservations_reservation")


def paused_queue_benchmark(book_id: int, calls: int = CALLS) -> dict:
    """Time the head lookup on `book_id`'s queue with none, every third and the first third paused."""
    book = Book.objects.get(pk=book_id)
    now = timezone.now()
    queue = list(
        Reservation.objects.filter(book=book, status=Status.QUEUED)
        .order_by("requested_at", "id")
        .values_list("pk", flat=True)
    )
    third = len(queue) // 3
    until = now + timedelta(days=30)
    results: dict = {"queued": len(queue), "paused": third, "calls": calls}
    layouts = {"none": [], "every_third": queue[::3][:third], "first_third": queue[:third]}
    try:
        for name, paused in layouts.items():
            _pause(book, queue, None)
            _pause(book, paused, until)
            assert _QUEUE_HEADS.run(book=book.pk, now=now) == list(_queue_heads(book.pk, now))
            median, most, head = _time_lookup(book, now, calls)
            plan = _explain(book, now)
            results[name] = {
                "median_ms": median,
                "max_ms": most,
                "head_paused": head in paused,
                "plan_ms": next((line.split(":")[1].strip() for line in plan if "Execution Time" in line), ""),
                "plan": plan,
            }
    finally:
        _pause(book, queue, None)
    return results


def report_lines(results: dict) -> list[str]:
    """The report's line for the paused-queue lookup (bench_report.print_table)."""
    rows = ", ".join(
        f"{label} {results[name]['median_ms']} ms (max {results[name]['max_ms']})"
        for name, label in (("none", "none paused"), ("every_third", "every third"), ("first_third", "first third"))
    )
    return [f"Queue head with {results['queued']:,} queued, {results['paused']:,} paused (R30): median {rows}"]
