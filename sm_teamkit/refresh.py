"""One refresh per interval, shared by every caller (single flight), with backoff on errors
and the last good answer kept, with its age, when a refresh fails.

A refresh in flight is one ``concurrent.futures.Future``: blocking callers wait on it, async
callers await it, so waiters hold no thread while a slow endpoint keeps the refresh busy."""

from __future__ import annotations

import asyncio
import random
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
        if self.value is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)


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
        jitter: float = 0.0,
    ):
        """``clock`` paces the refreshes; ``wall_clock`` stamps ``fetched_at`` (tests pass one
        fake clock for both). ``jitter``: each interval is drawn within +-jitter of it, and the
        first refresh waits up to ``jitter * interval`` (at most 2 s), so that servers started
        together (a domain-wide restart) do not all ask AWS in the same second."""
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
        self._started_at = 0.0
        self._jitter = max(0.0, min(jitter, 0.5))
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

    def peek(self) -> Snapshot[T]:
        """The current snapshot, never refreshing (what the last refresh left)."""
        with self._lock:
            return self._snapshot()

    def prefetch(self, executor: Executor) -> None:
        """Start a due refresh on ``executor`` without waiting (at server start, so the first
        caller finds an answer)."""
        future, mine = self._begin()
        if mine:
            self._submit(executor, future)

    async def latest(self, executor: Executor, first_wait: float) -> Snapshot[T]:
        """The last good snapshot at once, starting a due refresh on ``executor`` (stale while
        revalidating), so a hung endpoint delays nobody once a first answer exists. Before
        any, the first refresh is awaited until ``first_wait`` seconds after it began."""
        future, mine = self._begin()
        if mine:
            self._submit(executor, future)
        with self._lock:
            snapshot = self._snapshot()
            remaining = self._started_at + first_wait - time.monotonic()
        if future is None or snapshot.value is not None or snapshot.error is not None or remaining <= 0:
            return snapshot
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), remaining)
        except asyncio.TimeoutError:
            return snapshot

    async def wait(self, executor: Executor) -> Snapshot[T]:
        """The same as :meth:`get` for the event loop: a due refresh runs on ``executor`` and
        every caller awaits the one shared future (no thread per waiter)."""
        future, mine = self._begin()
        if future is None:
            with self._lock:
                return self._snapshot()
        if mine:
            self._submit(executor, future)
        return await asyncio.shield(asyncio.wrap_future(future))

    def _submit(self, executor: Executor, future: Future) -> None:
        try:
            executor.submit(self._run, future, True)
        except RuntimeError as exc:  # executor shut down (server stopping)
            self._finish(future, None, self._to_error(exc))

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
            self._started_at = time.monotonic()  # real time: first waits are bounded in seconds
            return self._future, True

    def _run(self, future: Future, spread: bool = False) -> None:
        """Fetch and finish ``future``; ``spread``: a server's first refresh waits its jitter
        first (a command's blocking ``get`` never does)."""
        if spread and self._jitter and not self.fetch_count:
            time.sleep(random.uniform(0, min(2.0, self._jitter * self.interval)))
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
                self._next_at = self._clock() + self.interval * (1 + random.uniform(-1, 1) * self._jitter)
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
