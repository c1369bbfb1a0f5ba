"""The tests' one poll loop (tests/waiting.py): it returns what it waited for, and when it gives
up it says what it waited for and what it saw last."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .waiting import WaitTimeout, eventually, eventually_async


def test_eventually_returns_the_first_truthy_value_of_the_check():
    seen = iter([None, 0, {}, {"state": "done"}])
    assert eventually(lambda: next(seen), timeout=5, what="the job", interval=0) == {"state": "done"}


def test_eventually_until_decides_which_value_is_the_one_waited_for():
    statuses = iter([502, 503, 200])
    assert (
        eventually(lambda: next(statuses), timeout=5, what="a 200", interval=0, until=lambda status: status == 200)
        == 200
    )
    with pytest.raises(WaitTimeout, match="last value seen: 503"):
        eventually(lambda: 503, timeout=0.05, what="a 200", interval=0.01, until=lambda status: status == 200)


def test_eventually_says_what_it_waited_for_and_the_last_value_seen():
    with pytest.raises(WaitTimeout) as info:
        eventually(lambda: [], timeout=0.05, what="the listing to fill", interval=0.01, details=lambda: "log tail here")
    message = str(info.value)
    assert "waited 0.05 s for the listing to fill in vain" in message
    assert "last value seen: []" in message and message.endswith("log tail here")


def test_eventually_counts_an_ignored_error_as_not_yet_and_reports_it_last():
    calls = []

    def check():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("not listening yet")
        return "up"

    assert eventually(check, timeout=5, what="the server", interval=0, ignoring=(OSError,)) == "up"

    def refused():
        raise ConnectionRefusedError("nobody listens")

    with pytest.raises(WaitTimeout, match="ConnectionRefusedError.*nobody listens"):
        eventually(refused, timeout=0.05, what="the server", interval=0.01, ignoring=(OSError,))
    with pytest.raises(KeyError):  # an error not listed is the test's failure, at once
        eventually(lambda: {}["x"], timeout=5, what="the key", ignoring=(OSError,))


def test_eventually_gives_up_as_soon_as_its_process_has_exited():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait(timeout=30)
    with pytest.raises(WaitTimeout, match=r"the process exited \(3\) while waiting for the port"):
        eventually(lambda: False, timeout=60, what="the port", process=process)


async def test_eventually_async_awaits_a_coroutine_check_until_it_holds():
    seen = iter([False, False, "ready"])

    async def check():
        return next(seen)

    assert await eventually_async(check, timeout=5, what="readiness", interval=0) == "ready"
    with pytest.raises(WaitTimeout, match="for the refresh to start in vain"):
        await eventually_async(lambda: False, timeout=0.05, what="the refresh to start", interval=0.01)
