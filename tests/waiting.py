"""Waiting, with a bound, for what another process or thread does: the tests' one poll loop.

    stats = eventually(lambda: stats_file.exists(), timeout=10, what="the FUSE stats file")
    job = await eventually_async(finished_job, timeout=600, what="the repair job to end")

Both call ``check`` until it returns something truthy (or, given ``until``, something that
``until`` accepts) and return that value. When the time is up, or ``process`` has exited first,
they fail the test with :class:`WaitTimeout`, whose message names what was waited for, the last
value seen and ``details()`` (a log tail, say)."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import time
from collections.abc import Callable
from typing import Any

Errors = tuple[type[BaseException], ...]


class WaitTimeout(AssertionError):
    """What was waited for did not happen in time (or its process exited first)."""


class _Bound:
    """What the sync and async loops share: the deadline, the last value, the failure."""

    def __init__(self, timeout: float, what: str, process: subprocess.Popen | None, details: Callable[[], str] | None):
        self.timeout, self.what, self.process, self.details = timeout, what, process, details
        self.deadline = time.monotonic() + timeout
        self.last: Any = None

    def check_over(self) -> None:
        """Raise WaitTimeout if the process has exited or the time is up."""
        if self.process is not None and self.process.poll() is not None:
            self._fail(f"the process exited ({self.process.returncode}) while waiting for {self.what}")
        if time.monotonic() > self.deadline:
            self._fail(f"waited {self.timeout:g} s for {self.what} in vain")

    def _fail(self, headline: str) -> None:
        last = repr(self.last)
        message = f"{headline}; last value seen: {last if len(last) <= 2000 else last[:2000] + '...'}"
        if self.details is not None:
            message += f"\n{self.details()}"
        cause = self.last if isinstance(self.last, BaseException) else None
        raise WaitTimeout(message) from cause


def eventually(
    check: Callable[[], Any],
    timeout: float,
    what: str,
    *,
    interval: float = 0.1,
    until: Callable[[Any], Any] = bool,
    ignoring: Errors = (),
    process: subprocess.Popen | None = None,
    details: Callable[[], str] | None = None,
) -> Any:
    """Call ``check()`` every ``interval`` seconds until ``until`` accepts what it returns (by
    default: until it is truthy); return that. An exception of an ``ignoring`` type counts as
    "not yet". Raises :class:`WaitTimeout` (an AssertionError) after ``timeout`` seconds, or as
    soon as ``process`` has exited."""
    bound = _Bound(timeout, what, process, details)
    while True:
        try:
            bound.last = check()
            if until(bound.last):
                return bound.last
        except ignoring as exc:
            bound.last = exc
        bound.check_over()
        time.sleep(interval)


async def eventually_async(
    check: Callable[[], Any],
    timeout: float,
    what: str,
    *,
    interval: float = 0.1,
    until: Callable[[Any], Any] = bool,
    ignoring: Errors = (),
    process: subprocess.Popen | None = None,
    details: Callable[[], str] | None = None,
) -> Any:
    """:func:`eventually` for a test on the event loop: ``check`` may be a coroutine function,
    and the pauses are ``asyncio.sleep`` so that the server under test keeps running."""
    bound = _Bound(timeout, what, process, details)
    while True:
        try:
            value = check()
            bound.last = await value if inspect.isawaitable(value) else value
            if until(bound.last):
                return bound.last
        except ignoring as exc:
            bound.last = exc
        bound.check_over()
        await asyncio.sleep(interval)
