"""R31's wait estimates read from the database: a book's, before joining, and each queued entry's.

The reads are two queries for any number of books, never one per entry: the books'
queues in R12 order, then their running loans, loans ended in the last HISTORY_DAYS and
Premium requests of the last PREMIUM_RATE_DAYS together; a book with
fewer than BOOK_HISTORY_AT_LEAST ended loans learns from the whole catalog's latest
CATALOG_HISTORY_LOANS instead, kept in the cache for CATALOG_HISTORY_SECONDS (it moves
slowly, and reading it scans far more than one book), and in each process for
LOCAL_HISTORY_SECONDS more (a fifth of R31's CPU on a book page was that cache read,
issue 15). The walk itself is
``reservations.wait_range.expected_between``, the function make bench's backtest scores.

Decisions where SPEC is silent:
- A paused entry is estimated from when its pause ends (R30); entries paused ahead of a
  request are skipped at the returns before their pause ends and take a unit after.
- "Premium" is the tier in force at `now`; a Free customer or a visitor is shown both tiers.
- Implements R31.
"""

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db.models import Q, QuerySet

from accounts.models import Tier
from catalog.models import Book
from core.compiled import CompiledQuery, Param

from .models import ENDED_AFTER_ACTIVE, Reservation, Status
from .wait_range import Loan, LoanHistory, Waiting, expected_between

HISTORY_DAYS = 90
BOOK_HISTORY_AT_LEAST = 20
CATALOG_HISTORY_LOANS = 1_000
CATALOG_HISTORY_SECONDS = 600
CATALOG_HISTORY_KEY = "reservations:estimates:catalog-history"
LOCAL_HISTORY_SECONDS = 60
# The last history this process read: (the cache's full key, time.monotonic() then, the history).
_kept_history: tuple[str, float, tuple] | None = None
PREMIUM_RATE_DAYS = 30

Range = tuple[datetime, datetime] | None


class _BookState:
    """What the walk needs of one book, read for many books at once."""

    def __init__(self, units: int) -> None:
        self.units = units
        self.loans: list[Loan] = []
        self.queue: list[tuple[int, Waiting]] = []  # (reservation id, entry) in R12 order
        self.ended: list[tuple[datetime, datetime, datetime]] = []
        self.premium_requests = 0


def _queue_rows(books: QuerySet[Reservation], now: datetime) -> QuerySet:
    """The books' queued entries in R12 order at `now`."""
    return books.in_queue_order(now).values_list("book_id", "id", "days", "paused_until", "priority")


def _loan_rows(books: QuerySet[Reservation], now: datetime, since: datetime, rate_since: datetime) -> QuerySet:
    """The books' running loans, loans ended since `since` and Premium requests since `rate_since`."""
    running, ended = Q(status=Status.ACTIVE, ends_at__gt=now), Q(status__in=ENDED_AFTER_ACTIVE, ended_at__gte=since)
    return (
        books.with_queue_priority(now)
        .filter(running | ended | Q(priority=0, requested_at__gt=rate_since))
        .order_by()
        .values_list("book_id", "status", "starts_at", "ends_at", "ended_at", "requested_at", "priority")
    )


# One book's two reads (the book page, books/{id}/), compiled once per thread (core.compiled):
# building them with the ORM cost more CPU than running them (make bench, book detail).
_SAMPLE_TIME = datetime.now(UTC)
_QUEUE_OF_BOOK = CompiledQuery(
    lambda book, now: _queue_rows(Reservation.objects.filter(book_id=book), now),
    book=Param("book", 0),
    now=Param("now", _SAMPLE_TIME),
)
_LOANS_OF_BOOK = CompiledQuery(
    lambda book, now, since, rate_since: _loan_rows(Reservation.objects.filter(book_id=book), now, since, rate_since),
    book=Param("book", 0),
    now=Param("now", _SAMPLE_TIME),
    since=Param("since", _SAMPLE_TIME),
    rate_since=Param("rate_since", _SAMPLE_TIME),
)


def _book_states(units: dict[int, int], now: datetime) -> dict[int, _BookState]:
    """The running loans, queues, recent loans and Premium requests of the books: two queries."""
    states = {book_id: _BookState(count) for book_id, count in units.items()}
    since, rate_since = now - timedelta(days=HISTORY_DAYS), now - timedelta(days=PREMIUM_RATE_DAYS)
    if len(units) == 1:
        (book,) = units
        queue = _QUEUE_OF_BOOK.run(book=book, now=now)
        rows = _LOANS_OF_BOOK.run(book=book, now=now, since=since, rate_since=rate_since)
    else:
        books = Reservation.objects.filter(book_id__in=list(units))
        queue, rows = _queue_rows(books, now), _loan_rows(books, now, since, rate_since)
    for book_id, pk, days, paused_until, priority in queue:
        paused = paused_until if paused_until is not None and paused_until > now else None
        states[book_id].queue.append((pk, Waiting(days, priority == 0, paused)))
    for book_id, status, starts_at, ends_at, ended_at, requested_at, priority in rows:
        state = states[book_id]
        if status == Status.ACTIVE and ends_at > now:
            state.loans.append(Loan(starts_at, ends_at))
        elif status in ENDED_AFTER_ACTIVE and ended_at >= since:
            state.ended.append((starts_at, ends_at, ended_at))
        if priority == 0 and requested_at > rate_since:
            state.premium_requests += 1
    return states


def catalog_history(now: datetime) -> LoanHistory:
    """How the catalog's latest loans ended in the last HISTORY_DAYS (cached: one scan in ten minutes,
    and kept in this process for LOCAL_HISTORY_SECONDS under the cache's own key)."""
    global _kept_history
    key, moment = cache.make_key(CATALOG_HISTORY_KEY), time.monotonic()
    kept = _kept_history
    if kept is not None and kept[0] == key and moment - kept[1] < LOCAL_HISTORY_SECONDS:
        return LoanHistory(kept[2])
    used = cache.get(CATALOG_HISTORY_KEY)
    if used is None:
        since = now - timedelta(days=HISTORY_DAYS)
        ended = (
            Reservation.objects.filter(status__in=ENDED_AFTER_ACTIVE, ends_at__gte=since, ended_at__gte=since)
            .order_by("-ends_at")
            .values_list("starts_at", "ends_at", "ended_at")[:CATALOG_HISTORY_LOANS]
        )
        used = LoanHistory.of(list(ended)).used
        cache.set(CATALOG_HISTORY_KEY, used, CATALOG_HISTORY_SECONDS)
    _kept_history = (key, moment, tuple(used))
    return LoanHistory(tuple(used))


def forget_catalog_history() -> None:
    """Drop the catalog's history from the cache and this process: the next estimate reads it again."""
    global _kept_history
    cache.delete(CATALOG_HISTORY_KEY)
    _kept_history = None


def _history(state: _BookState, now: datetime) -> LoanHistory:
    """How the book's own recent loans ended, or the catalog's when it has too few of them."""
    history = LoanHistory.of(state.ended)
    return history if len(history.used) >= BOOK_HISTORY_AT_LEAST else catalog_history(now)


def _ranges(
    state: _BookState, history: LoanHistory, queue: list[Waiting], wanted: set[int], now: datetime
) -> dict[int, Range]:
    return expected_between(
        now=now,
        units=state.units,
        loans=state.loans,
        queue=queue,
        wanted=wanted,
        history=history,
        premium_per_day=state.premium_requests / PREMIUM_RATE_DAYS,
    )


def book_expected_between(book: Book, now: datetime) -> dict[str, Range] | None:
    """When a unit should come to a new Plus and a new Premium request for `book` (R31).

    None while a unit is free; a tier's range is None when the library owns no unit.

    Implements R31.
    """
    state = _book_states({book.pk: book.units}, now)[book.pk]
    if state.units > len(state.loans):
        return None
    entries = [entry for _, entry in state.queue]
    premium_ahead = sum(1 for entry in entries if entry.premium)  # R12: Premium first, then by request
    answer, history = {}, _history(state, now)
    for tier, place, premium in ((Tier.PLUS, len(entries), False), (Tier.PREMIUM, premium_ahead, True)):
        queue = [*entries[:place], Waiting(0, premium), *entries[place:]]
        # the newcomer's own days do not matter to its wait: only those ahead of it hold units
        answer[str(tier)] = _ranges(state, history, queue, {place}, now)[place]
    return answer


def queued_expected_between(reservations: Iterable[Reservation], now: datetime) -> dict[int, Range]:
    """[earliest, latest] of each queued reservation's unit, keyed by id (R31), per book once.

    The same reads as ``book_expected_between`` for all their books together. Reads
    each reservation's book (select_related it).

    Implements R31.
    """
    queued = [r for r in reservations if r.status == Status.QUEUED]
    if not queued:
        return {}
    states = _book_states({r.book_id: r.book.units for r in queued}, now)
    wanted_ids: dict[int, set[int]] = defaultdict(set)
    for reservation in queued:
        wanted_ids[reservation.book_id].add(reservation.pk)
    answer: dict[int, Range] = {}
    for book_id, ids in wanted_ids.items():
        state = states[book_id]
        place = {pk: index for index, (pk, _) in enumerate(state.queue)}
        wanted = {place[pk] for pk in ids if pk in place}  # one that left since it was read has none
        ranges = _ranges(state, _history(state, now), [entry for _, entry in state.queue], wanted, now)
        answer.update({state.queue[index][0]: ranges[index] for index in wanted})
    return answer
