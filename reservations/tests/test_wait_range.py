"""R31's walk on hand-made books (reservations.wait_range): no database."""

from datetime import UTC, datetime, timedelta

from reservations.wait_range import Loan, LoanHistory, Waiting, expected_between, poisson_quantile, promotions

NOW = datetime(2026, 12, 20, 12, tzinfo=UTC)
DAY = timedelta(days=1)
NO_HISTORY = LoanHistory(())
TO_THE_END = LoanHistory((1.0,) * 20)


def loan(started_days_ago: float, days: float) -> Loan:
    return Loan(NOW - DAY * started_days_ago, NOW - DAY * started_days_ago + DAY * days)


def between(units, loans, queue, wanted=None, history=TO_THE_END, **kwargs):
    wanted = {len(queue) - 1} if wanted is None else wanted
    return expected_between(now=NOW, units=units, loans=loans, queue=queue, wanted=wanted, history=history, **kwargs)


def test_one_unit_nobody_ahead_gets_the_loans_end_R31():
    ranges = between(1, [loan(1, 7)], [Waiting(3)])
    assert ranges == {0: (NOW + 6 * DAY, NOW + 6 * DAY)}  # every recent loan ran to its end


def test_k_ahead_each_hold_their_days_R31():
    ranges = between(1, [loan(0, 2)], [Waiting(3), Waiting(4), Waiting(5)])
    assert ranges[2][1] == NOW + (2 + 3 + 4) * DAY


def test_the_kth_returning_unit_with_several_units_R31():
    loans = [loan(0, 5), loan(0, 2), loan(0, 9)]
    ranges = between(3, loans, [Waiting(7), Waiting(1)])
    assert ranges[1][1] == NOW + 5 * DAY  # the first unit (day 2) went to the entry ahead, then day 5
    ranges = between(3, loans, [Waiting(1), Waiting(1), Waiting(1), Waiting(1)])
    assert ranges[3][1] == NOW + 5 * DAY  # days 2, 3 (the day-2 unit again), 4 (again), then 5


def test_premium_first_in_the_queue_comes_before_the_plus_ones_R12_R31():
    queue = [Waiting(14, premium=True), Waiting(7), Waiting(7)]
    ranges = between(1, [loan(0, 3)], queue, wanted={0, 1, 2})
    assert [ranges[i][1] for i in range(3)] == [NOW + 3 * DAY, NOW + 17 * DAY, NOW + 24 * DAY]


def test_a_paused_entry_ahead_is_skipped_and_takes_the_next_unit_after_its_pause_R30_R31():
    queue = [Waiting(5, paused_until=NOW + 10 * DAY), Waiting(2), Waiting(3)]
    ranges = between(1, [loan(0, 1)], queue, wanted={0, 1, 2})
    assert ranges[1][1] == NOW + 1 * DAY  # skipped at day 1
    assert ranges[2][1] == NOW + 3 * DAY  # and again at day 3
    assert ranges[0][1] == NOW + 10 * DAY  # back at day 6, the unit waits for the only one left to resume


def test_a_pause_that_ended_before_the_release_counts_as_resumed_R30_R31():
    queue = [Waiting(5, paused_until=NOW + DAY), Waiting(2)]
    assert between(1, [loan(0, 3)], queue, wanted={1})[1][1] == NOW + 8 * DAY


def test_a_free_unit_is_now_and_units_lowered_below_the_loans_free_nothing_at_first_R31():
    assert between(2, [loan(0, 3)], [Waiting(3)]) == {0: (NOW, NOW)}
    assert between(1, [loan(0, 3), loan(0, 5)], [Waiting(3)])[0][1] == NOW + 5 * DAY


def test_no_unit_owned_is_none_R31():
    assert between(0, [], [Waiting(3), Waiting(4)], wanted={0, 1}) == {0: None, 1: None}


def test_the_earliest_uses_how_early_loans_ended_given_how_long_this_one_ran_R31():
    history = LoanHistory((0.1, 0.2, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0))
    earliest, latest = between(1, [loan(1, 4)], [Waiting(2)], history=history)[0]
    assert latest == NOW + 3 * DAY
    assert earliest == NOW + DAY  # ran 0.25 already; of the loans that ran longer the low quantile is 0.5
    earliest, _ = between(1, [loan(1, 4)], [Waiting(2), Waiting(2)], history=history)[1]
    assert earliest == NOW + DAY + 2 * DAY * 0.1  # the entry ahead keeps it for the low share of its days


def test_with_no_history_the_earliest_is_now_and_a_long_run_loan_runs_to_its_end_R31():
    assert between(1, [loan(1, 4)], [Waiting(2)], history=NO_HISTORY)[0] == (NOW, NOW + 3 * DAY)
    early = LoanHistory((0.1, 0.2))
    assert between(1, [loan(3, 4)], [Waiting(2)], history=early)[0] == (NOW + DAY, NOW + DAY)


def test_premium_newcomers_push_a_plus_latest_but_not_a_premium_one_R12_R31():
    queue = [Waiting(7, premium=True), Waiting(7)]
    still = between(1, [loan(0, 3)], queue, wanted={0, 1})
    busy = between(1, [loan(0, 3)], queue, wanted={0, 1}, premium_per_day=0.5)
    assert busy[0] == still[0]
    assert busy[1][1] > still[1][1]
    assert busy[1][0] == still[1][0]  # the earliest assumes nobody jumps ahead


def test_premium_is_earlier_or_equal_to_plus_for_the_same_book_R31():
    queue = [Waiting(7), Waiting(7)]
    plus = between(1, [loan(0, 3)], [*queue, Waiting(7)], premium_per_day=0.2)[2]
    premium = between(1, [loan(0, 3)], [Waiting(7, premium=True), *queue], wanted={0}, premium_per_day=0.2)[0]
    assert premium[0] <= plus[0] and premium[1] <= plus[1]


def test_the_walk_stops_once_the_wanted_are_served_and_poisson_quantiles():
    assert promotions(free_at=[NOW], queue=[Waiting(1)] * 3, hold=[DAY] * 3, wanted={1}) == {1: NOW + DAY}
    assert poisson_quantile(0.0, 0.9) == 0
    assert poisson_quantile(1.0, 0.9) == 2
    assert poisson_quantile(10.0, 0.9) == 14


def test_the_backtest_on_generated_history_meets_its_goal_R31():
    """make bench's backtest (bench/backtest_estimate.py), on two of its seeds: at least 80% inside the range."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from backtest_estimate import backtest

    result = backtest(seeds=(1, 2))
    assert result["join"]["hit_rate"] >= 0.8 and result["queued_daily"]["hit_rate"] >= 0.8
    assert result["join_plus"]["hit_rate"] >= 0.8 and result["join_premium"]["hit_rate"] >= 0.8
