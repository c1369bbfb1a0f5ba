"""Run each on-start step in its own session with a budget, and log one line per step.

A step is a function run in a forked child that calls ``setsid()``: the child and everything
it starts share one process group, so at the budget the whole group gets SIGTERM and, after
``kill_after`` seconds, SIGKILL, even processes that ignore TERM (``trap '' TERM``) or whose
parent already died. Only a step named in ``required`` can make the run fail.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

SKIPPED = 99  # a step's exit code for "nothing to do"


class Skip(Exception):
    """Raised by a step that finds nothing to do; the message says why."""


class StepFailed(Exception):
    """Raised by a step that failed; the message is the log line's detail."""


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``:``gid`` with no supplementary groups (what ``setpriv --clear-groups`` does)."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member became another user: still there
        return True
    return True


def _wait(pid: int, timeout: float) -> int | None:
    """The exit status of child ``pid`` within ``timeout`` seconds, else None (still running)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    try:
        if fd >= 0:
            select.select([fd], [], [], max(timeout, 0))
            done, status = os.waitpid(pid, os.WNOHANG)
        else:  # no pidfd (old kernel): poll
            end = time.monotonic() + timeout
            while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < end:
                time.sleep(0.05)
            done, status = done
    finally:
        if fd >= 0:
            os.close(fd)
    return os.waitstatus_to_exitcode(status) if done else None


def kill_group(pid: int, grace: float) -> None:
    """TERM the process group of ``pid`` (its leader reaped), then KILL what is left after ``grace``."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if _wait(pid, grace) is None:
        os.killpg(pid, signal.SIGKILL)
        _wait(pid, grace)
    end = time.monotonic() + grace
    while _group_alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_in_session(
    fn: Callable[[], str | None], out: Path, budget: float, grace: float, user: tuple[int, int] | None = None
) -> int | None:
    """Run ``fn`` in a new session with stdout and stderr to ``out``: its exit code (0 ok,
    SKIPPED, 1 failed), or None when it was killed at ``budget``."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.setsid()
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            # Whatever sys.stdout was (a test's capture, say), the step writes to the file.
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            if user is not None:
                drop_privileges(*user)
            message = fn()
            code = 0
        except Skip as exc:
            message, code = str(exc), SKIPPED
        except StepFailed as exc:
            message = str(exc)
        except BaseException as exc:  # noqa: BLE001 - a step must never take the runner down
            message = f"{type(exc).__name__}: {exc}"
        try:
            if message:
                print(message, flush=True)
            sys.stderr.flush()
        finally:
            os._exit(code)
    code = _wait(pid, budget)
    if code is None:
        kill_group(pid, grace)
    return code


@dataclass
class StepRunner:
    """Runs steps within what is left before ``deadline`` (epoch seconds), keeping ``reserve``
    seconds for the final hand-back of files, and logs to ``stream`` and ``log_file``."""

    deadline: float
    total: int
    log_file: Path
    run_dir: Path
    kill_after: float = 3
    reserve: float = 0
    required: frozenset[str] = frozenset()
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    clock: Callable[[], float] = time.time
    failed: list[str] = field(default_factory=list)

    def log(self, text: str) -> None:
        line = f"[sm-teamkit] {_utc(self.clock())} {text}"
        print(line, file=self.stream, flush=True)
        try:
            with open(self.log_file, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError:
            pass

    def left(self) -> float:
        return self.deadline - self.clock() - self.reserve - self.kill_after

    def step(
        self,
        name: str,
        budget: float,
        fn: Callable[[], str | None],
        user: tuple[int, int] | None = None,
        quiet: bool = False,
    ) -> int | None:
        """Run one step and log ``NAME: ok|skipped|failed|timed out (Ns)[: detail]``; with
        ``quiet`` only a failure is logged."""
        left = self.left()
        if left < 1:
            self.log(f"{name}: skipped (total budget of {self.total}s spent)")
            return None
        budget = int(min(budget, left))
        out = self.run_dir / f"{name}.out"
        start = self.clock()
        code = run_in_session(fn, out, budget, self.kill_after, user)
        took = int(self.clock() - start)
        text = out.read_text(errors="replace") if out.exists() else ""
        lines = [ln for ln in text.splitlines() if ln.strip()]
        detail = f": {lines[-1][:200]}" if lines else ""
        try:
            with open(self.log_file, "a", encoding="utf-8") as f:
                f.writelines(f"    {ln}\n" for ln in text.splitlines())
        except OSError:
            pass
        if code == 0:
            outcome = f"ok ({took}s){detail}"
        elif code == SKIPPED:
            outcome = f"skipped ({took}s){detail}"
        elif code is None:
            outcome = f"timed out ({took}s): killed at its {budget}s budget"
        else:
            outcome = f"failed ({took}s): exit {code}{detail}"
        if not (quiet and code in (0, SKIPPED)):
            self.log(f"{name}: {outcome}")
        if code not in (0, SKIPPED) and name in self.required:
            self.failed.append(name)
        return code
