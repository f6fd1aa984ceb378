"""Backtest of R31's wait estimate on generated history: does the promotion fall inside the range?

A small library is simulated day by day, in memory (no database, no server): a few books
of 1 to 3 units, Plus and Premium customers arriving at each book, borrowing at once when a
unit is free and joining its queue otherwise (R9, R12). Loans end as loans do: 40% are
returned early, after a random share of their days, the rest run to their end (R15, R16);
some queued customers pause their place for a few days (R30), some leave the queue (R14),
and some are dropped at promotion because their wallet is short (R13). Each release serves
the queue at once in R12 order, skipping paused entries.

At every queue join the estimate is computed with the site's own pure function
(``reservations.wait_range.expected_between``) from the simulated state: units, running
loans, the queue with the newcomer in its R12 place, and how the book's (else the whole
library's) loans of the last 90 days ended. Once a day each waiting entry is estimated
again, as my reservations shows it. When the entry is promoted, the actual time is
compared with the range. Entries that left or were dropped are not scored.

Reports the hit rate (goal >= 80%, R31), the mean width in days, and the misses by side,
over several seeds; ``--sweep`` also tries other earliest quantiles (how EARLIEST_QUANTILE
was chosen). About a second. Run alone: ``python bench/backtest_estimate.py`` or
``make backtest``; make bench runs it too (``backtest()``).
"""

import argparse
import heapq
import itertools
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reservations.wait_range import (  # noqa: E402
    EARLIEST_QUANTILE,
    JUMPER_PROBABILITY,
    Loan,
    LoanHistory,
    Waiting,
    expected_between,
)

DAY = timedelta(days=1)
START = datetime(2026, 1, 1, tzinfo=UTC)
SIM_DAYS = 240
WARMUP_DAYS = 30  # the first joins find no history to learn early returns from
UNITS = (1, 1, 1, 2, 2, 2, 3, 3)
HISTORY_DAYS = 90
RATE_DAYS = 30  # Premium requests of the book's last 30 days give the rate of newcomers ahead of Plus
BOOK_HISTORY_AT_LEAST = 20  # fewer ended loans of the book: the library's are used (R31)
PREMIUM_SHARE = 0.3
EARLY_SHARE = 0.4  # loans returned early, after a uniform share of their days
EARLY_BETWEEN = (0.1, 0.95)
PAUSE_SHARE = 0.1
CANCEL_SHARE = 0.05
DROP_SHARE = 0.03
PLUS_DAYS = (3, 5, 7, 7, 7)
PREMIUM_DAYS = (3, 7, 10, 14, 14)
QUEUE_CAP_PER_UNIT = 4  # nobody joins a longer queue
SEEDS = (1, 2, 3, 4, 5)


@dataclass
class Entry:
    id: int
    premium: bool
    requested_at: datetime
    days: int
    paused_until: datetime | None = None
    paused_self: bool = False  # paused right after joining: the join's estimate could not know
    gone: bool = False
    promoted_at: datetime | None = None
    ranges: list = field(default_factory=list)  # (kind, earliest, latest)


@dataclass
class Book:
    units: int
    loans: list = field(default_factory=list)  # [Loan]
    queue: list = field(default_factory=list)  # [Entry], in request order
    ended: list = field(default_factory=list)  # (starts_at, ends_at, ended_at)
    premium_requests: list = field(default_factory=list)  # when Premium customers asked for it


class Library:
    def __init__(self, seed: int, quantile: float, factor: float) -> None:
        self.rng = random.Random(seed)
        self.quantile = quantile
        self.factor = factor
        self.books = [Book(units) for units in UNITS]
        self.events: list = []
        self.sequence = itertools.count()
        self.entries: list[Entry] = []
        self.now = START

    def at(self, moment: datetime, kind: str, *payload) -> None:
        heapq.heappush(self.events, (moment, next(self.sequence), kind, payload))

    def run(self) -> list[Entry]:
        for book in self.books:
            load = self.rng.uniform(0.9, 1.4)  # demand over what the units can lend
            self.at(START + self._gap(book, load), "arrive", book, load)
        for day in range(1, SIM_DAYS):
            self.at(START + DAY * day, "daily")
        end = START + DAY * SIM_DAYS
        while self.events and self.events[0][0] < end:
            self.now, _, kind, payload = heapq.heappop(self.events)
            getattr(self, f"_{kind}")(*payload)
        return self.entries

    def _gap(self, book: Book, load: float) -> timedelta:
        mean_loan_days = 6.5 * (1 - EARLY_SHARE * (1 - sum(EARLY_BETWEEN) / 2))
        return DAY * self.rng.expovariate(load * book.units / mean_loan_days)

    def _arrive(self, book: Book, load: float) -> None:
        self.at(self.now + self._gap(book, load), "arrive", book, load)
        premium = self.rng.random() < PREMIUM_SHARE
        days = self.rng.choice(PREMIUM_DAYS if premium else PLUS_DAYS)
        entry = Entry(len(self.entries), premium, self.now, days)
        if premium:
            book.premium_requests.append(self.now)
        if len(book.loans) < book.units and not self._waiting(book):
            self._lend(book, entry)
            return
        if len(book.queue) >= QUEUE_CAP_PER_UNIT * book.units:
            return
        self.entries.append(entry)
        book.queue.append(entry)
        self._estimate(book, [entry], "join")
        if self.rng.random() < PAUSE_SHARE:  # paused right after joining, up to a day's start (R30)
            entry.paused_self = True
            entry.paused_until = START + DAY * ((self.now - START) // DAY + self.rng.randint(1, 7))
            self.at(entry.paused_until, "resume", book)
        if self.rng.random() < CANCEL_SHARE:
            self.at(self.now + DAY * self.rng.uniform(0.5, 10), "leave", book, entry)

    def _order(self, book: Book) -> list[Entry]:
        return sorted(book.queue, key=lambda e: (not e.premium, e.requested_at, e.id))

    def _waiting(self, book: Book) -> list[Entry]:
        return [e for e in self._order(book) if not (e.paused_until and e.paused_until > self.now)]

    def _lend(self, book: Book, entry: Entry) -> None:
        due = self.now + DAY * entry.days
        loan = Loan(self.now, due)
        book.loans.append(loan)
        ends = due
        if self.rng.random() < EARLY_SHARE:
            ends = self.now + DAY * entry.days * self.rng.uniform(*EARLY_BETWEEN)
        self.at(ends, "give_back", book, loan)

    def _give_back(self, book: Book, loan: Loan) -> None:
        book.loans.remove(loan)
        book.ended.append((loan.starts_at, loan.ends_at, self.now))
        self._serve(book)

    def _resume(self, book: Book) -> None:
        self._serve(book)

    def _leave(self, book: Book, entry: Entry) -> None:
        if entry in book.queue:
            book.queue.remove(entry)
            entry.gone = True

    def _serve(self, book: Book) -> None:
        """R13: each free unit goes to the first waiting entry in R12 order; a short wallet drops it."""
        while len(book.loans) < book.units:
            waiting = self._waiting(book)
            if not waiting:
                return
            entry = waiting[0]
            book.queue.remove(entry)
            if self.rng.random() < DROP_SHARE:
                entry.gone = True
                continue
            entry.promoted_at = self.now
            self._lend(book, entry)

    def _daily(self) -> None:
        for book in self.books:
            if book.queue:
                self._estimate(book, list(book.queue), "queued")

    def _history(self, book: Book) -> LoanHistory:
        since = self.now - DAY * HISTORY_DAYS
        own = [loan for loan in book.ended if loan[2] >= since]
        if len(own) < BOOK_HISTORY_AT_LEAST:
            own = [loan for other in self.books for loan in other.ended if loan[2] >= since]
        return LoanHistory.of(own)

    def _estimate(self, book: Book, entries: list[Entry], kind: str) -> None:
        order = self._order(book)
        index = {entry.id: place for place, entry in enumerate(order)}
        ranges = expected_between(
            now=self.now,
            units=book.units,
            loans=list(book.loans),
            queue=[Waiting(e.days, e.premium, e.paused_until) for e in order],
            wanted={index[entry.id] for entry in entries},
            history=self._history(book),
            premium_per_day=sum(1 for t in book.premium_requests if t >= self.now - DAY * RATE_DAYS) / RATE_DAYS,
            quantile=self.quantile,
            jumper_probability=self.factor,
        )
        if self.now - START < DAY * WARMUP_DAYS:
            return
        for entry in entries:
            earliest, latest = ranges[index[entry.id]]
            entry.ranges.append((kind, earliest, latest))


def score(entries: list[Entry], kind: str) -> dict:
    hits = early = late = 0
    width = 0.0
    for entry in entries:
        if entry.gone or entry.promoted_at is None:
            continue
        for what, earliest, latest in entry.ranges:
            if what != kind or (kind == "join" and entry.paused_self):
                continue
            width += (latest - earliest) / DAY
            if entry.promoted_at < earliest:
                early += 1
            elif entry.promoted_at > latest:
                late += 1
            else:
                hits += 1
    cases = hits + early + late
    return {
        "cases": cases,
        "hit_rate": round(hits / cases, 3) if cases else None,
        "mean_width_days": round(width / cases, 2) if cases else None,
        "before_earliest": early,
        "after_latest": late,
    }


def backtest(
    quantile: float = EARLIEST_QUANTILE, factor: float = JUMPER_PROBABILITY, seeds: tuple[int, ...] = SEEDS
) -> dict:
    """Hit rate and mean width of the estimate at each join and of the daily re-estimates."""
    entries = [entry for seed in seeds for entry in Library(seed, quantile, factor).run()]
    waits = [(e.promoted_at - e.requested_at) / DAY for e in entries if e.promoted_at and not e.gone and e.ranges]
    return {
        "quantile": quantile,
        "jumper_probability": factor,
        "mean_wait_days": round(sum(waits) / len(waits), 2) if waits else None,
        "seeds": len(seeds),
        "join": score(entries, "join"),
        "join_plus": score([e for e in entries if not e.premium], "join"),
        "join_premium": score([e for e in entries if e.premium], "join"),
        "queued_daily": score(entries, "queued"),
    }


def describe(result: dict) -> str:
    join, daily = result["join"], result["queued_daily"]
    return (
        f"Wait estimate backtest (R31), earliest quantile {result['quantile']}, Premium newcomers "
        f"bounded with probability {result['jumper_probability']}; mean wait {result['mean_wait_days']} days: at join "
        f"{join['hit_rate']:.1%} of {join['cases']:,} promotions inside the range, mean width "
        f"{join['mean_width_days']} days (Plus {result['join_plus']['hit_rate']:.1%}, Premium "
        f"{result['join_premium']['hit_rate']:.1%}; before the earliest {join['before_earliest']}, after the "
        f"latest {join['after_latest']}); queued entries re-estimated daily {daily['hit_rate']:.1%} of "
        f"{daily['cases']:,}, mean width {daily['mean_width_days']} days"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="also try other earliest quantiles")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = backtest()
    print(json.dumps(result, indent=2) if args.json else describe(result))
    if args.sweep:
        for quantile, factor in itertools.product((0.05, 0.1, 0.2), (0.8, 0.9, 0.95)):
            print(describe(backtest(quantile, factor)))


if __name__ == "__main__":
    main()
