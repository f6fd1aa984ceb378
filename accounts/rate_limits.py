"""Sliding-window limits kept in the shared cache, so they hold across processes (R21).

The cache is Redis in production and tests, the database cache in the embedded
default. A short lock (``cache.add``, atomic on both) makes read-check-append exact
when two processes ask at the same moment.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache

LOCK_SECONDS = 5
LOCK_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: int


class RateLimited(Exception):
    """Raised by `SlidingWindowLimit.hit` with how long to wait, in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class SlidingWindowLimit:
    """At most `limit` events per `seconds`, for each of several windows at once."""

    def __init__(self, name: str, *windows: Window) -> None:
        self.name = name
        self.windows = windows
        self.horizon = max(window.seconds for window in windows)

    def _key(self, subject: str) -> str:
        return f"rate:{self.name}:{subject}"

    def _acquire(self, key: str) -> None:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not cache.add(f"{key}:lock", 1, timeout=LOCK_SECONDS):
            if time.monotonic() > deadline:
                raise RateLimited(1)  # contention this heavy is itself a flood
            time.sleep(0.005)

    def _refuse_if_full(self, events: list[float], now: float) -> None:
        for window in self.windows:
            recent = sorted(t for t in events if t > now - window.seconds)
            if len(recent) >= window.limit:
                oldest_that_counts = recent[-window.limit]
                raise RateLimited(max(1, int(oldest_that_counts + window.seconds - now + 0.999)))

    def hit(self, subject: str, *, now: float | None = None) -> None:
        """Record one event for `subject`, or raise RateLimited without recording it."""
        now = time.time() if now is None else now
        key = self._key(subject)
        self._acquire(key)
        try:
            events = [t for t in cache.get(key, []) if t > now - self.horizon]
            self._refuse_if_full(events, now)
            events.append(now)
            cache.set(key, events, timeout=self.horizon)
        finally:
            cache.delete(f"{key}:lock")

    def check(self, subject: str, *, now: float | None = None) -> None:
        """Raise RateLimited if one more event for `subject` would be refused now; record nothing.

        For limits that count failures only: check before trying, hit when the try failed.
        """
        now = time.time() if now is None else now
        self._refuse_if_full([t for t in cache.get(self._key(subject), []) if t > now - self.horizon], now)

    def reset(self, subject: str) -> None:
        cache.delete(self._key(subject))


# R21: at most 5 codes per user per 2 minutes and 10 per hour.
otp_codes = SlidingWindowLimit("otp-codes", Window(limit=5, seconds=120), Window(limit=10, seconds=3600))
# Issue 14, items 3 and 4: wrong current passwords given to change the phone, the e-mail or
# the password, per user, one count for all three.
# Once full, even the right password waits: otherwise the limit would only change the answer.
current_password_tries = SlidingWindowLimit("current-password-tries", Window(limit=5, seconds=900))
