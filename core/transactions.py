"""Retrying a whole transaction when PostgreSQL aborts it for a deadlock.

Releasing a unit serves a queue, which locks customers in queue order; two releases on
different books may lock two customers in opposite orders. PostgreSQL then aborts one
of them, and running that use case again from the start is correct because the
whole use case is a single atomic block.
"""

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

P = ParamSpec("P")
T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def atomic_with_retry(attempts: int = 3) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run the function in ``transaction.atomic()``, again if it lost a deadlock."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            for attempt in range(1, attempts + 1):
                # Only an outermost block can be retried: inside another transaction
                # the error has already doomed the caller's work.
                if transaction.get_connection().in_atomic_block:
                    with transaction.atomic():
                        return function(*args, **kwargs)
                try:
                    with transaction.atomic():
                        return function(*args, **kwargs)
                except OperationalError as error:
                    if attempt == attempts or not _is_retryable(error):
                        raise
                    time.sleep(0.01 * attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorate
