"""One refresh per interval, shared by every caller (single flight), with backoff on errors
and the last good answer kept, with its age, when a refresh fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import TeamkitError

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """The last good value (or None), when it was fetched, and the last error if the most
    recent refresh failed."""

    value: T | None
    fetched_at: float  # wall-clock seconds; 0 when never fetched
    error: TeamkitError | None
    failures: int
    retry_in: float

    def age(self, now: float | None = None) -> float | None:
        return None if not self.fetched_at else max(0.0, (now or time.time()) - self.fetched_at)


class SingleFlight(Generic[T]):
    """Calls ``fetch`` at most once per ``interval`` seconds whatever the number of callers.
    After a failure the next attempt waits ``interval * 2**failures`` (capped)."""

    def __init__(
        self,
        fetch: Callable[[], T],
        interval: float,
        max_backoff: float,
        to_error: Callable[[BaseException], TeamkitError],
        clock: Callable[[], float] = time.monotonic,
    ):
        self._fetch = fetch
        self.interval = interval
        self.max_backoff = max_backoff
        self._to_error = to_error
        self._clock = clock
        self._cond = threading.Condition()
        self._value: T | None = None
        self._fetched_at = 0.0
        self._error: TeamkitError | None = None
        self._failures = 0
        self._next_at = 0.0
        self._in_flight = False
        self.fetch_count = 0

    def get(self) -> Snapshot[T]:
        """The current snapshot, refreshed first if it is due. Blocking."""
        with self._cond:
            if self._in_flight:
                self._cond.wait_for(lambda: not self._in_flight)
                return self._snapshot()
            if self._clock() < self._next_at:
                return self._snapshot()
            self._in_flight = True
        try:
            value = self._fetch()
            error = None
        except Exception as exc:  # kept and reported with the last good value
            value, error = None, self._to_error(exc)
        with self._cond:
            self.fetch_count += 1
            if error is None:
                self._value, self._fetched_at, self._error, self._failures = value, time.time(), None, 0
                self._next_at = self._clock() + self.interval
            else:
                self._error, self._failures = error, self._failures + 1
                self._next_at = self._clock() + self.backoff(self._failures)
            self._in_flight = False
            self._cond.notify_all()
            return self._snapshot()

    def backoff(self, failures: int) -> float:
        return min(self.max_backoff, self.interval * (2 ** min(failures, 16)))

    def invalidate(self) -> None:
        """Refresh at the next call (after an action changed the world), unless backing off."""
        with self._cond:
            if not self._failures:
                self._next_at = 0.0

    def update(self, change: Callable[[T], None]) -> None:
        """Apply a local change to the cached value (e.g. an app now Deleting)."""
        with self._cond:
            if self._value is not None:
                change(self._value)

    def _snapshot(self) -> Snapshot[T]:
        return Snapshot(
            value=self._value,
            fetched_at=self._fetched_at,
            error=self._error,
            failures=self._failures,
            retry_in=max(0.0, self._next_at - self._clock()),
        )
