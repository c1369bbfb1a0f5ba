"""The step runner on its own: budgets, process groups, the watchdog (no shell involved)."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest

from sm_teamkit.errors import BadRequest
from sm_teamkit.lifecycle import LifecycleSettings
from sm_teamkit.lifecycle.runner import SKIPPED, Skip, StepRunner, run_in_session


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read().lower()
    except FileNotFoundError:
        return False


def test_a_step_and_its_children_that_ignore_term_are_killed_at_the_budget(tmp_path):
    pids = tmp_path / "pids"

    def stubborn():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = os.fork()
        if child == 0:
            time.sleep(1000)
            os._exit(0)
        pids.write_text(f"{os.getpid()} {child}")
        time.sleep(1000)

    assert run_in_session(stubborn, tmp_path / "out", budget=1, grace=0.5) is None
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid)


def test_outcomes_are_exit_codes_and_the_output_goes_to_the_file(tmp_path):
    def skip():
        raise Skip("nothing to do")

    assert run_in_session(lambda: "done", tmp_path / "ok", 5, 1) == 0
    assert (tmp_path / "ok").read_text() == "done\n"
    assert run_in_session(skip, tmp_path / "skip", 5, 1) == SKIPPED
    assert run_in_session(lambda: 1 / 0, tmp_path / "boom", 5, 1) == 1
    assert "ZeroDivisionError" in (tmp_path / "boom").read_text()


def test_steps_get_what_is_left_and_none_once_the_total_is_spent(tmp_path):
    now = [1000.0]
    stream = io.StringIO()
    runner = StepRunner(
        deadline=1010,
        total=10,
        log_file=tmp_path / "log",
        run_dir=tmp_path,
        kill_after=2,
        reserve=3,
        required=frozenset({"b"}),
        stream=stream,
        clock=lambda: now[0],
    )
    assert runner.left() == 5  # 10 s left, minus the hand-back reserve and the kill grace
    runner.step("a", 60, lambda: "fine")
    now[0] = 1006.0
    assert runner.step("b", 60, lambda: "late") is None
    lines = stream.getvalue().splitlines()
    assert "a: ok (0s): fine" in lines[0]
    assert "b: skipped (total budget of 10s spent)" in lines[1]
    assert runner.failed == []  # skipped by the watchdog is not a failure


def test_step_budgets_must_fit_inside_the_total():
    with pytest.raises(BadRequest, match="on_start"):
        LifecycleSettings.from_mapping({"total_budget_seconds": 60, "on_start_budget_seconds": 58})
    defaults = LifecycleSettings()
    assert defaults.total_budget_seconds <= 280
