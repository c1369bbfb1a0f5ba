"""One refresh per interval, shared by every caller (single flight), with backoff on errors
and the last good answer kept, with its age, when a refresh fails.

A refresh in flight is one ``concurrent.futures.Future``: blocking callers wait on it, async
callers await it, so waiters hold no thread while a slow endpoint keeps the refresh busy."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import TeamkitError

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
        wall_clock: Callable[[], float] = time.time,
    ):
        """``clock`` paces the refreshes; ``wall_clock`` stamps ``fetched_at`` (tests pass one
        fake clock for both)."""
        self._fetch = fetch
        self.interval = interval
        self.max_backoff = max_backoff
        self._to_error = to_error
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._fetched_at = 0.0
        self._error: TeamkitError | None = None
        self._failures = 0
        self._next_at = 0.0
        self._future: Future | None = None
        self.fetch_count = 0

    def get(self) -> Snapshot[T]:
        """The current snapshot, refreshed first if it is due. Blocking (CLI, tests)."""
        future, mine = self._begin()
        if future is None:
            with self._lock:
                return self._snapshot()
        if mine:
            self._run(future)
        return future.result()

    async def wait(self, executor: Executor) -> Snapshot[T]:
        """The same as :meth:`get` for the event loop: a due refresh runs on ``executor`` and
        every caller awaits the one shared future (no thread per waiter)."""
        future, mine = self._begin()
        if future is None:
            with self._lock:
                return self._snapshot()
        if mine:
            try:
                executor.submit(self._run, future)
            except RuntimeError as exc:  # executor shut down (server stopping)
                self._finish(future, None, self._to_error(exc))
        return await asyncio.shield(asyncio.wrap_future(future))

    def _begin(self) -> tuple[Future | None, bool]:
        """(the refresh in flight or a new one this caller must run, True if new); (None, False)
        when no refresh is due."""
        with self._lock:
            if self._future is not None:
                return self._future, False
            if self._clock() < self._next_at:
                return None, False
            self._future = Future()
            self._future.set_running_or_notify_cancel()
            return self._future, True

    def _run(self, future: Future) -> None:
        try:
            value = self._fetch()
            error = None
        except Exception as exc:  # kept and reported with the last good value
            value, error = None, self._to_error(exc)
        self._finish(future, value, error)

    def _finish(self, future: Future, value: T | None, error: TeamkitError | None) -> None:
        with self._lock:
            self.fetch_count += 1
            if error is None:
                self._value, self._fetched_at, self._error, self._failures = value, self._wall_clock(), None, 0
                self._next_at = self._clock() + self.interval
            else:
                self._error, self._failures = error, self._failures + 1
                self._next_at = self._clock() + self.backoff(self._failures)
            self._future = None
            snapshot = self._snapshot()
        future.set_result(snapshot)

    @property
    def in_flight(self) -> bool:
        with self._lock:
            return self._future is not None

    def backoff(self, failures: int) -> float:
        return min(self.max_backoff, self.interval * (2 ** min(failures, 16)))

    def invalidate(self) -> None:
        """Refresh at the next call (after an action changed the world), unless backing off."""
        with self._lock:
            if not self._failures:
                self._next_at = 0.0

    def update(self, change: Callable[[T], None]) -> None:
        """Apply a local change to the cached value (e.g. an app now Deleting)."""
        with self._lock:
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


class LatestResult(Generic[T]):
    """Runs a blocking ``fn`` on an executor, one call at a time, and keeps its latest result:
    callers get that result at once while the next call runs (stale while revalidating), so a
    hung endpoint delays nobody once a first answer exists."""

    def __init__(self, fn: Callable[[], T]):
        self._fn = fn
        self._lock = threading.Lock()
        self._future: Future | None = None
        self._value: T | None = None
        self._has_value = False
        self._started_at = 0.0

    def start(self, executor: Executor) -> Future:
        """Start a call unless one runs (e.g. at server start, so the first caller has an answer)."""
        return self._start(executor)

    def _start(self, executor: Executor) -> Future:
        with self._lock:
            future = self._future
            if future is None:
                future = self._future = executor.submit(self._fn)
                self._started_at = time.monotonic()
        future.add_done_callback(self._done)  # outside the lock: runs at once if already done
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            if future is self._future:
                self._future = None
            if not future.cancelled() and future.exception() is None:
                self._value, self._has_value = future.result(), True

    async def get(self, executor: Executor, first_wait: float) -> tuple[bool, T | None]:
        """(True, the latest result) at once if there is one, starting a new call when none
        runs; else the first result if it comes within ``first_wait`` seconds of the start of
        its call, and (False, None) after that (at once for a call already that old)."""
        future = self._start(executor)
        with self._lock:
            if self._has_value:
                return True, self._value
            remaining = self._started_at + first_wait - time.monotonic()
        if remaining <= 0:
            return False, None
        try:
            return True, await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), remaining)
        except asyncio.TimeoutError:
            return False, None
