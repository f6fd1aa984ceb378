"""R31's wait estimate as a pure function of a book's state: no database, no clock.

``reservations.estimates`` reads a book's units, running loans, queue and recent loans
and calls ``expected_between``; the backtest of make bench (``bench/backtest_estimate.py``)
calls the same function on simulated state, so what it measures is what the site shows.

The walk: units come back at the running loans' ends (sorted); at each return the first
entry in R12 order that is not paused at that moment takes the unit (R13, R30: a paused
entry is skipped, not dropped, and takes the next unit once its pause has ended) and holds
it for its days; the entry we estimate for gets the unit the walk gives it.

- Latest: loans end at their ``ends_at`` and promoted entries keep their unit all their
  days. While anybody waits, nobody can renew (R29), so only a Premium request joining
  later can push a Plus one past it: Premium newcomers are walked too, as many as the
  book's recent rate of Premium requests brings with ``JUMPER_PROBABILITY``, each going
  in line behind the Premium entries and ahead of every Plus one from its arrival on.
- Earliest: loans end as early as the recent loans' low quantile says
  (``LoanHistory.soonest_end``), given that a running loan has already run as long as it
  has; promoted entries keep their unit for that share of their days.

Implements R31.
"""

import heapq
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = timedelta(days=1)
# The share of loans that end before the earliest: tuned on the backtest (make bench).
EARLIEST_QUANTILE = 0.1
# How sure the latest is that no more Premium newcomers join ahead of a Plus entry (backtest).
JUMPER_PROBABILITY = 0.9
MAX_JUMPERS = 500
WALKED_ALONE = 5  # more Plus entries of one book at once share one walk
PREMIUM_DAYS_GUESS = 10  # what a Premium newcomer asks for when no Premium entry waits to tell


@dataclass(frozen=True)
class Loan:
    """A running loan: when it started and when it must end."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Waiting:
    """A queued entry in R12 order: the days it asks for, whether Premium now, and if paused, until when (R30)."""

    days: float
    premium: bool = False
    paused_until: datetime | None = None


@dataclass(frozen=True)
class LoanHistory:
    """How much of their time recent loans ran: ``used`` sorted, each in (0, 1] (1: to the end)."""

    used: tuple[float, ...]

    @classmethod
    def of(cls, loans: Sequence[tuple[datetime, datetime, datetime]]) -> "LoanHistory":
        """From ended loans' (starts_at, ends_at, ended_at)."""
        shares = []
        for starts_at, ends_at, ended_at in loans:
            length = (ends_at - starts_at).total_seconds()
            if length > 0:
                shares.append(min(max((ended_at - starts_at).total_seconds() / length, 0.0), 1.0))
        return cls(tuple(sorted(shares)))

    def low_share(self, already: float = 0.0, quantile: float = EARLIEST_QUANTILE) -> float:
        """The `quantile` of the shares of loans that ran longer than `already` (a share run so far).

        With no such loan in the history the loan runs to its end (1.0); with no history at all
        nothing is known and it may end at once (`already`).
        """
        if not self.used:
            return already
        longer = self.used[bisect_right(self.used, already) :]
        if not longer:
            return 1.0
        return longer[math.floor(quantile * (len(longer) - 1))]

    def mean_share(self) -> float:
        """The share of its time a loan runs on average (1.0 with no history: to its end)."""
        return sum(self.used) / len(self.used) if self.used else 1.0

    def soonest_end(self, loan: Loan, now: datetime, quantile: float = EARLIEST_QUANTILE) -> datetime:
        """The early end of a loan running at `now`: the low share of its time among loans that ran as long."""
        length = loan.ends_at - loan.starts_at
        already = max((now - loan.starts_at) / length, 0.0) if length else 1.0
        return max(loan.starts_at + length * self.low_share(already, quantile), now)


def _free_times(units: int, ends: list[datetime], now: datetime) -> list[datetime]:
    """When each unit is free: now for the free ones; a loan's end frees one only within the units owned."""
    ends = sorted(ends)
    over = max(len(ends) - units, 0)  # units were lowered below the loans: the first returns free nothing
    return [now] * max(units - len(ends), 0) + ends[over:]


def promotions(
    *, free_at: list[datetime], queue: Sequence[Waiting], hold: Sequence[timedelta], wanted: set[int]
) -> dict[int, datetime]:
    """When each entry of `queue` (R12 order) whose index is in `wanted` gets a unit (R13, R30).

    `free_at`: when each unit is free; `hold`: how long each entry keeps the unit it gets.
    An entry paused when a unit comes back is passed over and waits in line for the first
    unit free after its pause, ahead of the entries behind it. Stops once every wanted
    entry is served; O(n log n) in the queue's length.
    """
    heap = list(free_at)
    heapq.heapify(heap)
    served: dict[int, datetime] = {}
    following = 0  # the next entry never passed over
    passed: list[tuple[datetime, int]] = []  # passed over while paused: (pause end, index)
    resumed: list[int] = []  # passed over, pause ended: indexes, first in line first
    while heap and len(served) < len(wanted):
        moment = heapq.heappop(heap)
        while passed and passed[0][0] <= moment:
            heapq.heappush(resumed, heapq.heappop(passed)[1])
        while following < len(queue) and (queue[following].paused_until or moment) > moment:
            heapq.heappush(passed, (queue[following].paused_until, following))
            following += 1
        if resumed:  # passed over earlier, so ahead of every entry not yet reached
            taker = heapq.heappop(resumed)
        elif following < len(queue):
            taker, following = following, following + 1
        elif passed:  # all that is left is paused: the unit waits for the first to resume
            heapq.heappush(heap, passed[0][0])
            continue
        else:
            break
        if taker in wanted:
            served[taker] = moment
        heapq.heappush(heap, moment + hold[taker])
    return served


def poisson_quantile(mean: float, probability: float) -> int:
    """The smallest n such that a Poisson count of this mean is at most n with `probability`."""
    term = total = math.exp(-mean)
    n = 0
    while total < probability and n < MAX_JUMPERS:
        n += 1
        term *= mean / n
        total += term
    return n


def _behind_jumpers(
    *,
    now: datetime,
    free_at: list[datetime],
    queue: Sequence[Waiting],
    plus: set[int],
    first: dict[int, datetime],
    rate: float,
    probability: float,
    hold_share: float,
) -> dict[int, datetime]:
    """The latest of Plus entries when Premium newcomers (R12) join ahead of them meanwhile.

    Over the wait W the walk without them gave, the newcomers are as many as a Poisson
    count of mean rate × W reaches with `probability`, spread evenly over W. A newcomer
    is an entry paused until it arrives: from then on it is first in line after the
    Premium entries, as the walk treats a resumed place, and it keeps its unit for the
    share of its days loans run on average (`hold_share`): a guess of the future, not a
    bound. Once, not to a fixed point: where Premium demand alone fills the units that
    would run away, and the backtest scores one round better. Each Plus entry is walked
    alone; more than WALKED_ALONE at once share the last one's newcomers.
    """
    premium_days = [entry.days for entry in queue if entry.premium]
    days = hold_share * (sum(premium_days) / len(premium_days) if premium_days else PREMIUM_DAYS_GUESS)
    cut = sum(1 for entry in queue if entry.premium)  # R12: the Premium entries come first
    groups = [{index} for index in sorted(plus)] if len(plus) <= WALKED_ALONE else [plus]
    latest: dict[int, datetime] = {}
    for group in groups:
        wait = max(first[index] for index in group) - now
        count = poisson_quantile(rate * (wait / DAY), probability)
        if not count:
            continue
        every = wait / (count + 1)
        jumpers = [Waiting(days, True, now + every * (number + 1)) for number in range(count)]
        walked = [*queue[:cut], *jumpers, *queue[cut:]]
        found = promotions(
            free_at=free_at,
            queue=walked,
            hold=[DAY * entry.days for entry in walked],
            wanted={index + count for index in group},
        )
        latest.update({index - count: moment for index, moment in found.items()})
    return latest


def expected_between(
    *,
    now: datetime,
    units: int,
    loans: Sequence[Loan],
    queue: Sequence[Waiting],
    wanted: set[int],
    history: LoanHistory,
    premium_per_day: float = 0.0,
    quantile: float = EARLIEST_QUANTILE,
    jumper_probability: float = JUMPER_PROBABILITY,
) -> dict[int, tuple[datetime, datetime] | None]:
    """[earliest, latest] of the unit each wanted entry of `queue` (R12 order) gets; None with no unit.

    `loans`: the book's loans running at `now`; `history`: how its recent loans ended;
    `premium_per_day`: how many Premium requests the book had a day of late. Put a
    would-be request in `queue` at the place R12 gives it to estimate before joining.
    Implements R31.
    """
    if units <= 0:
        return dict.fromkeys(wanted)
    free_at = _free_times(units, [loan.ends_at for loan in loans], now)
    hold = [DAY * entry.days for entry in queue]
    latest = promotions(free_at=free_at, queue=queue, hold=hold, wanted=wanted)
    plus = {index for index in wanted if not queue[index].premium}
    if plus and premium_per_day > 0:
        latest.update(
            _behind_jumpers(
                now=now,
                free_at=free_at,
                queue=queue,
                plus=plus,
                first=latest,
                rate=premium_per_day,
                probability=jumper_probability,
                hold_share=history.mean_share(),
            )
        )
    share = history.low_share(0.0, quantile)
    earliest = promotions(
        free_at=_free_times(units, [history.soonest_end(loan, now, quantile) for loan in loans], now),
        queue=queue,
        hold=[DAY * entry.days * share for entry in queue],
        wanted=wanted,
    )
    return {index: (min(earliest[index], latest[index]), latest[index]) for index in wanted}
